using Provisioning.Clusters;

namespace Provisioning.Topology;

/// <summary>One standalone security-group rule; <see cref="Protocol"/> "-1" means all traffic.</summary>
public sealed record SecurityRule(
    string Name, string SecurityGroup, bool Egress, string Protocol, int Port,
    string? FromSecurityGroup, string? FromCidr, string Description);

/// <summary>The least-privilege rule table of consul-topology.md.</summary>
public static class SecurityRules
{
    public static IReadOnlyList<SecurityRule> For(ClusterSpec spec)
    {
        const string server = TopologyPlanBuilder.ServerSecurityGroup, client = TopologyPlanBuilder.ClientSecurityGroup;
        var rules = new List<SecurityRule>();
        void Ingress(string group, string protocol, int port, string from, string why) =>
            rules.Add(new(RuleName(group, protocol, port, from == server ? "Servers" : "Clients"), group, false, protocol, port, from, null, why));

        Ingress(server, "tcp", 8300, server, "Consul server RPC between servers (Raft, cross-DC forwarding)");
        Ingress(server, "tcp", 8300, client, "Consul RPC from clients to servers");
        foreach (var protocol in new[] { "tcp", "udp" })
        {
            Ingress(server, protocol, 8301, server, "Consul LAN gossip among servers");
            Ingress(server, protocol, 8301, client, "Consul LAN gossip from clients");
            Ingress(server, protocol, 8302, server, "Consul WAN gossip between the two datacenters' servers");
            Ingress(client, protocol, 8301, client, "Consul LAN gossip among clients");
            Ingress(client, protocol, 8301, server, "Consul LAN gossip from servers");
        }
        if (spec.AdminCidr is { } admin)
        {
            rules.Add(new(RuleName(server, "tcp", 8500, "Admin"), server, false, "tcp", 8500, null, admin, "Consul HTTP API and UI from the admin range"));
            rules.Add(new(RuleName(server, "tcp", 22, "Admin"), server, false, "tcp", 22, null, admin, "SSH from the admin range"));
        }
        foreach (var group in new[] { server, client })
            rules.Add(new(EgressRuleName(group), group, true, "-1", 0, null, "0.0.0.0/0", "Packages, AWS APIs and CloudWatch"));
        return rules;
    }

    /// <summary>The allow-all egress rule of a group: instances need it before they boot.</summary>
    public static string EgressRuleName(string group) => $"{group}EgressAll";

    private static string RuleName(string group, string protocol, int port, string from) =>
        $"{group}Ingress{port}{char.ToUpperInvariant(protocol[0])}{protocol[1..]}From{from}";
}
