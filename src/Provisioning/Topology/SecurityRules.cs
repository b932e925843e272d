using Provisioning.Clusters;
using Provisioning.Consul;

namespace Provisioning.Topology;

/// <summary>
/// One standalone security-group rule over a port range; <see cref="Protocol"/> "-1" would mean all
/// traffic, which the hardened plan never uses. The source (ingress) or destination (egress) is
/// another group or a CIDR.
/// </summary>
public sealed record SecurityRule(
    string Name, string SecurityGroup, bool Egress, string Protocol, int FromPort, int ToPort,
    string? PeerSecurityGroup, string? PeerCidr, string Description);

/// <summary>The least-privilege rule table of consul-topology.md, hardened: no SSH, HTTPS only, egress by purpose.</summary>
public static class SecurityRules
{
    /// <summary>Consul's HTTPS API and UI (<see cref="ConsulPorts.HttpsPort"/>), the one port the rules open to admins.</summary>
    public const int HttpsPort = ConsulPorts.HttpsPort;

    public static IReadOnlyList<SecurityRule> For(ClusterSpec spec, NetworkLayout network)
    {
        const string server = TopologyPlanBuilder.ServerSecurityGroup, client = TopologyPlanBuilder.ClientSecurityGroup;
        var rules = new List<SecurityRule>();
        void Ingress(string group, string protocol, int port, string from, string why) =>
            rules.Add(new(Name(group, "Ingress", protocol, port, from == server ? "Servers" : "Clients"), group, false, protocol, port, port, from, null, why));

        Ingress(server, "tcp", 8300, server, "Consul server RPC between servers (Raft, cross-DC forwarding)");
        Ingress(server, "tcp", 8300, client, "Consul RPC from clients to servers");
        foreach (var protocol in new[] { "tcp", "udp" })
        {
            Ingress(server, protocol, 8301, server, "Consul LAN gossip among servers");
            Ingress(server, protocol, 8301, client, "Consul LAN gossip from clients");
            // No apostrophe: AWS refuses it in descriptions (AwsValueRules.SecurityGroupDescription).
            Ingress(server, protocol, 8302, server, "Consul WAN gossip between the servers of both datacenters");
            Ingress(client, protocol, 8301, client, "Consul LAN gossip among clients");
            Ingress(client, protocol, 8301, server, "Consul LAN gossip from servers");
        }
        if (spec.AdminCidr is { } admin)
            rules.Add(new(Name(server, "Ingress", "tcp", HttpsPort, "Admin"), server, false, "tcp", HttpsPort, HttpsPort, null, admin,
                "Consul HTTPS API and UI from the admin range"));

        var vpc = network.Vpc.ToString();
        var resolver = network.VpcResolver + "/32";
        foreach (var group in new[] { server, client })
        {
            void Egress(string protocol, int from, int to, string cidr, string purpose, string why) =>
                rules.Add(new(EgressRuleName(group, purpose, protocol), group, true, protocol, from, to, null, cidr, why));
            Egress("tcp", 443, 443, "0.0.0.0/0", "Https", "HTTPS to package repositories, HashiCorp releases and AWS APIs");
            // AWS does not filter traffic to its own VPC resolver, but the rule states the intent and survives a resolver change.
            Egress("udp", 53, 53, resolver, "Dns", "DNS to the VPC resolver");
            Egress("tcp", 53, 53, resolver, "Dns", "DNS to the VPC resolver");
            Egress("tcp", 8300, 8302, vpc, "Consul", "Consul RPC and gossip inside the VPC");
            Egress("udp", 8301, 8302, vpc, "Consul", "Consul gossip inside the VPC");
        }
        return rules;
    }

    /// <summary>
    /// The egress rules of a group. Instances need them before they boot; the HTTPS rule above all,
    /// since the boot script downloads Consul and calls AWS.
    /// </summary>
    public static IEnumerable<string> EgressRuleNames(ClusterSpec spec, NetworkLayout network, string group) =>
        For(spec, network).Where(r => r.Egress && r.SecurityGroup == group).Select(r => r.Name);

    private static string EgressRuleName(string group, string purpose, string protocol) => Name(group, "Egress", protocol, null, purpose);

    private static string Name(string group, string direction, string protocol, int? port, string peer) =>
        $"{group}{direction}{port}{char.ToUpperInvariant(protocol[0])}{protocol[1..]}{(direction == "Ingress" ? "From" : "To")}{peer}";
}
