using System.Text.Json.Nodes;
using Portal.Components.Shared;
using Portal.Deployments;
using Portal.Monitoring;
using Provisioning.Clusters;
using Provisioning.Engines;
using Provisioning.Security;
using Provisioning.Simulation;
using Provisioning.Topology;
using TestSupport;

namespace Portal.Tests.Components;

/// <summary>
/// A cluster deployed, checked and drilled by the real simulated engine, instantly and in memory: the outputs
/// and the Consul health a component is handed are exactly those the portal would hand it.
/// </summary>
internal sealed class SimulatedCluster
{
    private readonly SimulatedEngine _engine = new(new InMemorySimulatedStateStore(), new SimulatedEngineOptions { TimeScale = 0 }, TimeProvider.System);
    private readonly DeploymentContext _context;

    private SimulatedCluster(ClusterSpec spec, SimulatedHealthFault? fault)
    {
        Spec = spec;
        Plan = TopologyPlanBuilder.Build(spec);
        _context = new DeploymentContext(spec.Name, Resumed: false, ClusterSecrets.Generate(spec.Name, DateTimeOffset.UtcNow),
            fault is null ? null : new SimulatedFaults(null, fault));
    }

    public ClusterSpec Spec { get; }
    public TopologyPlan Plan { get; }
    public JsonObject Outputs { get; private set; } = [];

    public static ClusterSpec SpecOf(string name, int clients = 5) =>
        ClusterSpecValidator.Validate(new ClusterSpecInput { Name = name, VpcCidr = "10.0.0.0/16", ClientCount = clients }, ShippedCatalog.Value, []).Spec!;

    /// <param name="fault">A Consul fault every health check of the cluster shows, e.g. a server that is not healthy.</param>
    public static async Task<SimulatedCluster> DeployAsync(string name = "pictured", SimulatedHealthFault? fault = null)
    {
        var cluster = new SimulatedCluster(SpecOf(name), fault);
        var result = await cluster._engine.UpAsync(cluster.Plan, cluster._context, NoEvents.Sink, CancellationToken.None);
        Assert.Equal(DeploymentOutcome.Succeeded, result.Outcome);
        cluster.Outputs = result.Outputs!;
        return cluster;
    }

    public async Task<ClusterHealthView> CheckAsync() =>
        ClusterHealthView.From(await _engine.CheckHealthAsync(Plan, _context, CancellationToken.None), "manual");

    public async Task TakeZoneDownAsync(string zone)
    {
        var result = await _engine.TakeZoneDownAsync(Plan, _context, zone, NoEvents.Sink, CancellationToken.None);
        Assert.Equal(DeploymentOutcome.Succeeded, result.Outcome);
        Outputs = result.Outputs!;
    }

    public IEnumerable<JsonObject> ServersOf(string zone) => Outputs["servers"]![zone]!.AsArray().OfType<JsonObject>();

    /// <summary>The plan's resources after these events of a create, folded as the live progress folds them.</summary>
    public IReadOnlyList<ResourceRow> Resources(params (string Resource, string Type)[] events)
    {
        var start = DateTimeOffset.UtcNow;
        return ResourceRow.Fold(Plan.Resources.Select(r => (r.Name, r.Type)), events.Select((e, i) =>
            new EventView(i + 1, start.AddSeconds(i), e.Type, new EventResourceView(e.Resource, Plan[e.Resource].Type, "create"), "", "info")));
    }

    private sealed class NoEvents : IDeploymentEventSink
    {
        public static readonly NoEvents Sink = new();
        public ValueTask EmitAsync(EngineEvent engineEvent, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
