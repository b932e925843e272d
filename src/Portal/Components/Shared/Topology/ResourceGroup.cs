using Provisioning.Topology;

namespace Portal.Components.Shared.Topology;

/// <summary>
/// The resources of a plan as a person thinks of them: one group per Availability Zone (its subnets,
/// NAT gateway, routes and its datacenter's servers), and one for what both zones share.
/// </summary>
/// <param name="Key">Stable across renders: the zone's name, or <c>shared</c>.</param>
public sealed record ResourceGroup(string Key, string Title, int? Zone, IReadOnlyList<ResourceRow> Rows)
{
    public const string SharedKey = "shared";

    public static IReadOnlyList<ResourceGroup> Of(IReadOnlyList<ResourceRow> rows, IReadOnlyList<string> zones)
    {
        var groups = zones.Select((zone, index) => new ResourceGroup(zone, $"{zone} · datacenter {zone}", index,
            rows.Where(r => ZoneOf(r.Name, zones.Count) == index).ToList())).ToList();
        groups.Add(new ResourceGroup(SharedKey, "Shared by both zones", null, rows.Where(r => ZoneOf(r.Name, zones.Count) is null).ToList()));
        return groups.Where(g => g.Rows.Count > 0).ToList();
    }

    /// <summary>The zone a resource belongs to, by the plan's own per-zone names; null for shared ones (the client group spans both).</summary>
    public static int? ZoneOf(string resource, int zoneCount)
    {
        for (var zone = 0; zone < zoneCount; zone++)
            if (ZoneResources(zone).Contains(resource)) return zone;
        return null;
    }

    private static string[] ZoneResources(int zone) =>
    [
        TopologyPlanBuilder.PublicSubnet(zone), TopologyPlanBuilder.PublicRouteTableAssociation(zone),
        TopologyPlanBuilder.NatAddress(zone), TopologyPlanBuilder.NatGateway(zone),
        TopologyPlanBuilder.PrivateSubnet(zone), TopologyPlanBuilder.PrivateRouteTable(zone),
        TopologyPlanBuilder.NatRoute(zone), TopologyPlanBuilder.PrivateRouteTableAssociation(zone),
        TopologyPlanBuilder.ServerGroup(zone),
    ];

    public int Done => Rows.Count(r => r.State == ResourceState.Done);

    /// <summary>From the first start to the last finish in the group, once every resource in it has finished.</summary>
    public TimeSpan? Duration =>
        Rows.Count > 0 && Rows.All(r => r.State is ResourceState.Done or ResourceState.Failed && r.Duration is not null)
            ? Rows.Max(r => r.FinishedAt!.Value) - Rows.Min(r => r.StartedAt!.Value)
            : null;
}
