using Provisioning.Clusters;
using Provisioning.Security;

namespace Provisioning.Consul;

/// <summary>Who may read a parameter: every agent, or servers only.</summary>
public enum ParameterReaders { AllAgents, ServersOnly }

/// <summary>
/// One SSM parameter under <c>/consul/&lt;cluster&gt;/</c> holding a cluster secret (or the public CA
/// certificate), fed from the stack configuration key of the same secret.
/// </summary>
/// <param name="Resource">The plan's logical name.</param>
/// <param name="RelativePath">The path below the cluster's prefix, e.g. <c>acl/agent</c>.</param>
/// <param name="Variable">The boot script's shell variable that holds the value on an instance.</param>
public sealed record ClusterParameter(
    string Resource, string RelativePath, string ConfigKey, bool Secure, ParameterReaders Readers, string Variable, string Description)
{
    public string Name(ClusterSpec spec) => ClusterParameters.Prefix(spec) + RelativePath;
}

/// <summary>The parameters of consul-topology.md, "Secrets the portal generates per cluster".</summary>
public static class ClusterParameters
{
    public static readonly ClusterParameter
        GossipKey = new("gossipKeyParameter", "gossip-key", SecretConfig.GossipKey, true, ParameterReaders.AllAgents, "GOSSIP_KEY", "Consul gossip encryption key"),
        CaCertificate = new("caCertificateParameter", "tls/ca-cert", SecretConfig.CaCertificate, false, ParameterReaders.AllAgents, "CA_CERTIFICATE", "Consul CA certificate (public)"),
        CaKey = new("caKeyParameter", "tls/ca-key", SecretConfig.CaKey, true, ParameterReaders.ServersOnly, "CA_KEY", "Consul CA private key; servers sign their certificates with it at boot"),
        ManagementToken = new("managementTokenParameter", "acl/management", SecretConfig.ManagementToken, true, ParameterReaders.ServersOnly, "MANAGEMENT_TOKEN", "Consul initial management token"),
        AgentToken = new("agentTokenParameter", "acl/agent", SecretConfig.AgentToken, true, ParameterReaders.AllAgents, "AGENT_TOKEN", "Consul agent token"),
        ReplicationToken = new("replicationTokenParameter", "acl/replication", SecretConfig.ReplicationToken, true, ParameterReaders.ServersOnly, "REPLICATION_TOKEN", "Consul ACL replication token"),
        DnsToken = new("dnsTokenParameter", "acl/dns", SecretConfig.DnsToken, true, ParameterReaders.AllAgents, "DNS_TOKEN", "Consul DNS token"),
        HealthToken = new("healthTokenParameter", "acl/health", SecretConfig.HealthToken, true, ParameterReaders.ServersOnly, "HEALTH_TOKEN", "Consul token of the portal health check");

    public static IReadOnlyList<ClusterParameter> All { get; } =
        [GossipKey, CaCertificate, CaKey, ManagementToken, AgentToken, ReplicationToken, DnsToken, HealthToken];

    public static string Prefix(ClusterSpec spec) => $"/consul/{spec.Name}/";

    /// <summary>The parameters an instance of the role may read: clients never see the CA key or the privileged tokens.</summary>
    public static IEnumerable<ClusterParameter> ReadBy(ConsulRole role) =>
        All.Where(p => role == ConsulRole.Server || p.Readers == ParameterReaders.AllAgents);
}
