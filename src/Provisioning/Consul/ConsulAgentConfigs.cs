using Provisioning.Clusters;

namespace Provisioning.Consul;

/// <summary>The agent configuration of a server or client in one of the cluster's two datacenters.</summary>
public static class ConsulAgentConfigs
{
    /// <summary>ACLs are written in the first zone's datacenter and replicated to the second.</summary>
    public const int PrimaryZone = 0;

    public static ConsulAgentConfig For(ConsulRole role, ClusterSpec spec, NetworkLayout network, int zone, ConsulNode node) =>
        role == ConsulRole.Server ? Server(spec, network, zone, node) : Client(spec, network, zone, node);

    public static ConsulAgentConfig Server(ClusterSpec spec, NetworkLayout network, int zone, ConsulNode node)
    {
        var primary = zone == PrimaryZone;
        var agent = Client(spec, network, zone, node);
        return agent with
        {
            Server = true,
            BootstrapExpect = spec.ServersPerAz,
            // The other AZ's servers form this DC's WAN peers: a cluster has exactly two zones.
            RetryJoinWan = [AutoJoin(spec, 1 - zone)],
            Autopilot = new ConsulAutopilot(
                CleanupDeadServers: true, LastContactThreshold: "200ms", MaxTrailingLogs: 250, ServerStabilizationTime: "10s"),
            // The security group opens 8501 to the admin range only when one is set; the API must then
            // listen on the private address too, or that rule (and the UI URL) would lead nowhere.
            Addresses = spec.AdminCidr is null ? null : new ConsulAddresses($"127.0.0.1 {node.Address}"),
            Acl = agent.Acl with
            {
                // Tokens, not only policies, are replicated, so the secondary resolves them itself while the primary is down.
                EnableTokenReplication = primary ? null : true,
                Tokens = agent.Acl.Tokens with
                {
                    InitialManagement = primary ? node.ManagementToken : null,
                    Replication = primary ? null : node.ReplicationToken,
                },
            },
            Tls = new ConsulTls(
                new ConsulTlsDefaults(ConsulPaths.CaCertificate, ConsulPaths.ServerCertificate, ConsulPaths.ServerKey, VerifyOutgoing: true),
                new ConsulTlsInternalRpc(VerifyIncoming: true, VerifyServerHostname: true),
                // API and UI users bring ACL tokens, not client certificates.
                new ConsulTlsHttps(VerifyIncoming: false)),
            AutoEncrypt = new ConsulAutoEncrypt(AllowTls: true),
        };
    }

    /// <summary>Clients join their own AZ's servers only: they are not members of the WAN pool.</summary>
    public static ConsulAgentConfig Client(ClusterSpec spec, NetworkLayout network, int zone, ConsulNode node) => new()
    {
        Datacenter = Datacenter(spec, zone),
        PrimaryDatacenter = Datacenter(spec, PrimaryZone),
        NodeName = node.NodeName,
        BindAddr = node.Address,
        AdvertiseAddr = node.Address,
        RetryJoin = [AutoJoin(spec, zone)],
        Recursors = [network.VpcResolver],
        Encrypt = node.GossipKey,
        Acl = new ConsulAcl(
            Enabled: true, DefaultPolicy: "deny",
            // While the primary DC is unreachable, keep using cached ACLs rather than denying everything.
            DownPolicy: "extend-cache", EnableTokenPersistence: true, EnableTokenReplication: null,
            // The dns token keeps DNS answering under default deny (acl.tokens.dns, Consul 1.17 and later).
            new ConsulAclTokens(Agent: node.AgentToken, Dns: node.DnsToken)),
        // A client has no certificate of its own: auto_encrypt fetches one from the servers it verifies with the CA.
        Tls = new ConsulTls(
            new ConsulTlsDefaults(ConsulPaths.CaCertificate, CertFile: null, KeyFile: null, VerifyOutgoing: true),
            new ConsulTlsInternalRpc(VerifyIncoming: null, VerifyServerHostname: true),
            Https: null),
        AutoEncrypt = new ConsulAutoEncrypt(Tls: true),
    };

    /// <summary>A datacenter is named after its AZ; Consul would silently lower-case or reject anything else.</summary>
    public static string Datacenter(ClusterSpec spec, int zone)
    {
        if (spec.AvailabilityZones.Count != 2)
            throw new ArgumentException($"A cluster spans exactly two Availability Zones, not {spec.AvailabilityZones.Count}.", nameof(spec));
        var name = spec.AvailabilityZones[zone];
        if (!ClusterSpecValidator.DatacenterName().IsMatch(name))
            throw new ArgumentException($"'{name}' cannot be a Consul datacenter name: only a-z, 0-9, '_' and '-' are allowed.", nameof(spec));
        return name;
    }

    /// <summary>Cloud auto-join searches the whole region, so the tag value carries the cluster name.</summary>
    public static string AutoJoin(ClusterSpec spec, int zone) =>
        $"provider=aws region={spec.Region} tag_key={ClusterNames.JoinTagKey} tag_value={ClusterNames.JoinTag(spec, zone)}";
}
