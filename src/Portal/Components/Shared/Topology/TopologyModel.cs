using System.Text.Json.Nodes;
using Portal.Monitoring;
using Provisioning.Clusters;
using Provisioning.Consul;
using Provisioning.Health;
using Provisioning.Topology;

namespace Portal.Components.Shared.Topology;

public enum NodeRole { Server, Client }

/// <summary>One Consul agent as the picture draws it.</summary>
/// <param name="Key">Unique in the picture: the instance id once known, else the planned slot (<c>server-a-1</c>).</param>
/// <param name="Zone">The zone whose column it is drawn in.</param>
/// <param name="MovedFrom">A client the group relaunched here because its own zone is down.</param>
/// <param name="Detail">What is wrong, or the resource's last message while deploying.</param>
public sealed record TopologyNode(
    string Key, NodeRole Role, int Zone, int Number, string? InstanceId, string? Address, string State,
    bool Leader = false, string? Version = null, string? MovedFrom = null, string? Detail = null);

/// <param name="Summary">One line about the datacenter: its leader and tolerance, or why it cannot be reached.</param>
public sealed record TopologyZone(
    int Index, string Name, bool Primary, string NatState, string Summary,
    IReadOnlyList<TopologyNode> Servers, IReadOnlyList<TopologyNode> Clients);

/// <summary>
/// The cluster as the picture shows it: region, VPC, one column per zone with its datacenter. With
/// <c>resources</c> (a deployment under way) nodes take their resources' states; without, the health check's.
/// </summary>
public sealed record TopologyModel(
    string Region, string VpcCidr, string InternetGatewayState, IReadOnlyList<TopologyZone> Zones,
    string WanState, string WanSummary, bool FollowsResources, DateTimeOffset? CheckedAt)
{
    public IEnumerable<TopologyNode> Nodes => Zones.SelectMany(z => z.Servers.Concat(z.Clients));

    public static TopologyModel Build(ClusterSpec spec, JsonNode? outputs, IReadOnlyList<ResourceRow>? resources, ClusterHealthView? health, string? zoneOutage)
    {
        var rows = resources?.ToDictionary(r => r.Name) ?? [];
        var follows = resources is not null;
        var checkedHealth = follows || health is null or { Status: HealthStatus.Unknown } ? null : health;
        var down = zoneOutage is null ? -1 : IndexOf(spec.AvailabilityZones, zoneOutage);
        var clients = Clients(spec, outputs, down);

        var zones = new List<TopologyZone>();
        for (var zone = 0; zone < spec.AvailabilityZones.Count; zone++)
        {
            var dc = spec.AvailabilityZones[zone];
            var dcHealth = checkedHealth?.Datacenters.FirstOrDefault(d => d.Name == dc);
            var servers = Servers(spec, outputs, zone, dcHealth).Select(s => follows
                ? s with { State = NodeStates.Of(rows.GetValueOrDefault(TopologyPlanBuilder.ServerGroup(zone))), Detail = rows.GetValueOrDefault(TopologyPlanBuilder.ServerGroup(zone))?.Message }
                : checkedHealth is null ? s with { State = NodeStates.Unknown } : s).ToList();
            var zoneClients = clients.Where(c => c.Zone == zone).Select(c => c with
            {
                State = follows ? NodeStates.Of(rows.GetValueOrDefault(TopologyPlanBuilder.ClientGroup))
                    : dcHealth is null ? NodeStates.Unknown
                    : dcHealth.Reachable ? NodeStates.Healthy : NodeStates.Unreachable,
                Detail = follows ? rows.GetValueOrDefault(TopologyPlanBuilder.ClientGroup)?.Message : c.Detail,
            }).ToList();
            var nat = follows ? NodeStates.Of(rows.GetValueOrDefault(TopologyPlanBuilder.NatGateway(zone)))
                : zone == down ? NodeStates.Unreachable : NodeStates.Created;
            zones.Add(new TopologyZone(zone, dc, zone == ConsulAgentConfigs.PrimaryZone, nat, Summary(dc, dcHealth, servers, follows), servers, zoneClients));
        }

        var (wanState, wanSummary) = follows ? WanWhileDeploying(zones) : Wan(checkedHealth);
        var gateway = follows ? NodeStates.Of(rows.GetValueOrDefault(TopologyPlanBuilder.InternetGateway)) : NodeStates.Created;
        return new TopologyModel(spec.Region, spec.VpcCidr, gateway, zones, wanState, wanSummary, follows, checkedHealth?.CheckedAt);
    }

    /// <summary>
    /// The servers the engine reported for the zone, then any the health check found that it did not; before
    /// the first deployment, the planned slots.
    /// </summary>
    private static IEnumerable<TopologyNode> Servers(ClusterSpec spec, JsonNode? outputs, int zone, DatacenterHealth? dc)
    {
        var letter = (char)('a' + zone);
        var reported = Instances(outputs?["servers"]?[spec.AvailabilityZones[zone]]);
        var checkedServers = dc?.Servers ?? [];
        var all = reported.Select(r => (r.Id, r.Address))
            .Concat(checkedServers.Where(s => reported.All(r => r.Id != s.Node)).Select(s => (Id: s.Node, Address: (string?)HostOf(s.Address))))
            .ToList();
        if (all.Count == 0)
            return Enumerable.Range(1, spec.ServersPerAz).Select(n => new TopologyNode($"server-{letter}-{n}", NodeRole.Server, zone, n, null, null, NodeStates.Pending));
        return all.Select((server, i) =>
        {
            var seen = checkedServers.FirstOrDefault(s => s.Node == server.Id);
            var (state, detail) = dc switch
            {
                null => (NodeStates.Unknown, null),
                { Reachable: false } => (NodeStates.Unreachable, dc.Error is { } error ? $"The datacenter did not answer: {error}" : "The datacenter did not answer."),
                _ when seen is null => (NodeStates.Unhealthy, "Not in the datacenter's raft configuration."),
                _ when !seen.Voter => (NodeStates.Unhealthy, "Not a voter."),
                _ when !seen.Healthy => (NodeStates.Unhealthy, "Autopilot reports it unhealthy."),
                _ => (NodeStates.Healthy, (string?)null),
            };
            return new TopologyNode(server.Id, NodeRole.Server, zone, i + 1, server.Id, server.Address ?? HostOf(seen?.Address), state,
                Leader: seen?.Leader == true && dc is { Reachable: true }, Version: seen?.Version, Detail: detail);
        });
    }

    /// <summary>
    /// The clients in the zone each was launched in. While a zone is down its clients are drawn where the
    /// group relaunches them, the surviving zone, even before the engine reports the new instances.
    /// </summary>
    private static List<TopologyNode> Clients(ClusterSpec spec, JsonNode? outputs, int down)
    {
        var reported = Instances(outputs?["clients"]);
        var placed = reported.Count > 0
            ? reported.Select((c, i) => (Key: c.Id, Id: (string?)c.Id, c.Address, Zone: c.Zone is { } az && IndexOf(spec.AvailabilityZones, az) is >= 0 and var z ? z : i % 2))
            // The group spreads its instances over both zones in turn, as the simulation and AWS do.
            : Enumerable.Range(0, spec.ClientCount).Select(i => (Key: $"client-{i + 1}", Id: (string?)null, Address: (string?)null, Zone: i % spec.AvailabilityZones.Count));
        var list = placed.ToList();
        // Once the group has replaced them, the survivor holds more than its share of clients: the surplus,
        // launched last, are the lost zone's clients relaunched there.
        var survivorShare = down < 0 ? 0 : Enumerable.Range(0, spec.ClientCount).Count(i => i % spec.AvailabilityZones.Count == 1 - down);
        var relaunched = down < 0 ? [] : list.Where(c => c.Zone == 1 - down).Skip(survivorShare).Select(c => c.Key).ToHashSet();
        return list.Select((c, i) => down >= 0 && (c.Zone == down || relaunched.Contains(c.Key))
                ? new TopologyNode(c.Key, NodeRole.Client, 1 - down, i + 1, c.Id, c.Address, NodeStates.Unknown, MovedFrom: spec.AvailabilityZones[down])
                : new TopologyNode(c.Key, NodeRole.Client, c.Zone, i + 1, c.Id, c.Address, NodeStates.Unknown))
            .ToList();
    }

    private static string Summary(string dc, DatacenterHealth? health, IReadOnlyList<TopologyNode> servers, bool follows) => health switch
    {
        _ when follows => $"{servers.Count} servers",
        null => "not checked yet",
        { Reachable: false } => "unreachable: no server answers",
        _ => (health.Leader is { } leader ? $"leader {(servers.FirstOrDefault(s => s.Leader)?.InstanceId ?? leader)}" : "no leader") +
             (health.FailureTolerance is { } t ? $" · tolerates {t} server failure{(t == 1 ? "" : "s")}" : ""),
    };

    private static (string, string) Wan(ClusterHealthView? health) => health switch
    {
        null => (NodeStates.Unknown, "WAN gossip: not checked yet"),
        { WanMembers: var wan } when wan.Alive == wan.Expected && wan.Expected > 0 => (NodeStates.Healthy, $"WAN gossip: {wan.Alive} of {wan.Expected} servers alive"),
        { WanMembers: var wan } => (NodeStates.Unhealthy, $"WAN gossip: {wan.Alive} of {wan.Expected} servers alive"),
    };

    /// <summary>The datacenters join over WAN once both zones' servers are up.</summary>
    private static (string, string) WanWhileDeploying(IReadOnlyList<TopologyZone> zones)
    {
        var states = zones.Select(z => z.Servers.FirstOrDefault()?.State ?? NodeStates.Pending).ToList();
        if (states.Contains(NodeStates.Failed)) return (NodeStates.Failed, "WAN gossip: a datacenter's servers failed");
        if (states.All(s => s == NodeStates.Created)) return (NodeStates.Created, "WAN gossip: both datacenters' servers are up");
        return (NodeStates.Pending, "WAN gossip: waits for both datacenters' servers");
    }

    private static List<(string Id, string? Address, string? Zone)> Instances(JsonNode? node) =>
        node is JsonArray array
            ? array.OfType<JsonObject>()
                .Select(i => (Id: i["instanceId"]?.ToString() ?? "", Address: i["privateIp"]?.ToString(), Zone: i["availabilityZone"]?.ToString()))
                .Where(i => i.Id.Length > 0).ToList()
            : [];

    /// <summary>Autopilot reports <c>10.0.1.10:8300</c>; people look for the address.</summary>
    private static string? HostOf(string? address) => address?.Split(':')[0] is { Length: > 0 } host ? host : null;

    private static int IndexOf(IReadOnlyList<string> zones, string zone) => zones.ToList().IndexOf(zone);
}
