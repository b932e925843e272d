namespace Provisioning.Consul;

/// <summary>An ACL policy the bootstrap creates, and the pre-generated token that carries it.</summary>
/// <param name="Description">Goes into the bootstrap script in single quotes: no apostrophe.</param>
/// <param name="TokenVariable">The boot script's variable holding the token's SecretID.</param>
public sealed record ConsulAclPolicy(string Name, string Description, string Rules, string TokenVariable);

/// <summary>
/// The policies of consul-topology.md ("ACLs, default deny"). The bootstrap on the primary DC's servers
/// creates them with the management token, then one token each with the SecretID the portal generated.
/// </summary>
public static class ConsulAclPolicies
{
    public static readonly ConsulAclPolicy Agent = new("consul-agent",
        "Agents register and update their own node and read services",
        """
        node_prefix "" {
          policy = "write"
        }
        service_prefix "" {
          policy = "read"
        }
        """, "AGENT_TOKEN");

    /// <summary>As Consul's ACL replication guide prescribes; acl = write because tokens are replicated too.</summary>
    public static readonly ConsulAclPolicy Replication = new("consul-replication",
        "The secondary datacenter replicates ACLs and configuration from the primary",
        """
        acl = "write"
        operator = "write"
        service_prefix "" {
          policy = "read"
          intentions = "read"
        }
        """, "REPLICATION_TOKEN");

    /// <summary>What DNS needs under default deny: node, service and prepared-query lookups.</summary>
    public static readonly ConsulAclPolicy Dns = new("consul-dns",
        "DNS lookups of nodes, services and prepared queries",
        """
        node_prefix "" {
          policy = "read"
        }
        service_prefix "" {
          policy = "read"
        }
        query_prefix "" {
          policy = "read"
        }
        """, "DNS_TOKEN");

    /// <summary>The portal's health check: autopilot health (operator read) and the members of both pools (node read).</summary>
    public static readonly ConsulAclPolicy Health = new("consul-health",
        "The portal health check reads autopilot health and members",
        """
        operator = "read"
        node_prefix "" {
          policy = "read"
        }
        """, "HEALTH_TOKEN");

    public static IReadOnlyList<ConsulAclPolicy> All { get; } = [Agent, Replication, Dns, Health];
}
