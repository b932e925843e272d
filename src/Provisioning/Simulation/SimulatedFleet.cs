using System.Text.Json.Nodes;
using Provisioning.Consul;
using Provisioning.Engines;
using Provisioning.Health;
using Provisioning.Topology;

namespace Provisioning.Simulation;

/// <summary>
/// The simulated cluster's Consul nodes as a rolling upgrade sees them: a replacement leaves, is terminated, and its
/// group launches one from its latest launch template (the spec's Consul version) that proves its boot. The
/// injected <see cref="SimulatedFaults.FailReplacement"/> launches one that never becomes healthy.
/// </summary>
internal sealed class SimulatedFleet(
    ISimulatedStateStore store, TopologyPlan plan, DeploymentContext context, SimulatedSnapshots snapshots,
    Func<TimeSpan, CancellationToken, Task<bool>> delay, Func<CancellationToken, Task<ClusterHealth>> checkHealth) : IConsulFleet
{
    private int _replacements;

    public IReadOnlyList<string> Datacenters { get; } =
        plan.Spec.AvailabilityZones.Select((_, zone) => ConsulAgentConfigs.Datacenter(plan.Spec, zone)).ToList();

    public async Task<IReadOnlyList<FleetNode>> NodesAsync(CancellationToken cancellationToken)
    {
        var state = await StateAsync();
        var nodes = new List<FleetNode>();
        for (var zone = 0; zone < plan.Spec.AvailabilityZones.Count; zone++)
            nodes.AddRange(InstancesOf(state, TopologyPlanBuilder.ServerGroup(zone))
                .Select(i => Node(i, FleetRole.Server, Datacenters[zone])));
        nodes.AddRange(InstancesOf(state, TopologyPlanBuilder.ClientGroup)
            .Select(i => Node(i, FleetRole.Client, SimulatedConsul.DatacenterOf(plan, i))));
        return nodes;
    }

    public async Task<string> SnapshotAsync(string datacenter, string reason, CancellationToken cancellationToken) =>
        (await snapshots.SaveAsync(context.StackName, plan, datacenter, reason)).Id;

    public async Task<string> ReplaceAsync(FleetNode node, CancellationToken cancellationToken)
    {
        var group = node.Role == FleetRole.Server
            ? TopologyPlanBuilder.ServerGroup(Datacenters.ToList().IndexOf(node.Datacenter))
            : TopologyPlanBuilder.ClientGroup;
        // consul leave, then TerminateInstanceInAutoScalingGroup: the group boots a replacement before the next step.
        await delay(SimulatedCloud.CreateLatency("Group") * 0.5, CancellationToken.None);
        var state = await StateAsync();
        var resource = state[group];
        var instances = resource.Outputs["instances"] as JsonArray ?? [];
        var replaced = instances.OfType<JsonObject>().Single(i => i["instanceId"]!.GetValue<string>() == node.Id);
        var replacement = SimulatedInstances.Replacement(plan, instances, replaced, node.Role == FleetRole.Server);
        if (++_replacements == context.Faults?.FailReplacement) replacement[SimulatedInstances.UnhealthyKey] = true;
        var outputs = (JsonObject)resource.Outputs.DeepClone();
        // The replacement joins at the end: raft's order, so a replaced leader hands over to a server that stayed.
        outputs["instances"] = new JsonArray([.. instances.OfType<JsonObject>().Where(i => i != replaced).Select(i => i.DeepClone()), replacement]);
        await store.UpdateOutputsAsync(context.StackName, group, outputs, CancellationToken.None);
        return replacement["instanceId"]!.GetValue<string>();
    }

    public Task<ClusterHealth> CheckHealthAsync(CancellationToken cancellationToken) => checkHealth(cancellationToken);

    /// <summary>Autopilot promotes a new server once it has been stable for its server_stabilization_time (10 s).</summary>
    public Task<bool> PauseAsync(CancellationToken cancellationToken) => delay(TimeSpan.FromSeconds(10), cancellationToken);

    private async Task<Dictionary<string, SimulatedResource>> StateAsync() =>
        (await store.LoadAsync(context.StackName, CancellationToken.None)).ToDictionary(r => r.Name);

    private FleetNode Node(JsonObject instance, FleetRole role, string datacenter) => new(
        instance["instanceId"]!.GetValue<string>(), role, datacenter,
        (SimulatedInstances.ConsulVersion(instance) ?? plan.Spec.ConsulVersion) == plan.Spec.ConsulVersion
            && instance[SimulatedInstances.UnhealthyKey]?.GetValue<bool>() != true);

    private static IEnumerable<JsonObject> InstancesOf(IReadOnlyDictionary<string, SimulatedResource> state, string group) =>
        state.TryGetValue(group, out var resource) ? (resource.Outputs["instances"] as JsonArray ?? []).OfType<JsonObject>() : [];
}
