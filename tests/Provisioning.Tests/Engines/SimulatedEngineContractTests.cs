using static TestSupport.PreviewResults;
using System.Text.Json.Nodes;
using Provisioning.Engines;
using Provisioning.Health;
using Provisioning.Simulation;
using Provisioning.Tests.Support;
using Provisioning.Topology;

namespace Provisioning.Tests.Engines;

public sealed class SimulatedEngineContractTests : DeploymentEngineContractTests
{
    private readonly InMemorySimulatedStateStore _store = new();

    // Faults travel in the DeploymentContext for this engine; the setup needs nothing more.
    protected override IDeploymentEngine CreateEngine(EngineSetup setup) =>
        new SimulatedEngine(_store, new SimulatedEngineOptions { TimeScale = 0 }, TimeProvider.System);

    protected override async Task CrashMidwayAsync(TopologyPlan plan, string stack, int resources, RecordingSink sink)
    {
        // The simulation has no process to kill: its store is the state a crash leaves behind,
        // so stopping abruptly after some creates leaves the same picture.
        using var cancellation = new CancellationTokenSource();
        var crashing = new RecordingSink((e, _) =>
        {
            sink.EmitAsync(e);
            if (sink.Names(EngineEventType.ResourceSucceeded).Count >= resources) cancellation.Cancel();
        });
        await CreateEngine(new()).UpAsync(plan, new DeploymentContext(stack, false, Secrets), crashing, cancellation.Token);
    }

    protected override async Task<IReadOnlyList<string>> ResourcesLeftAsync(string stack) =>
        (await _store.LoadAsync(stack, TestContext.Current.CancellationToken)).Select(r => r.Name).ToList();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static DeploymentContext Context(string stack) => new(stack, false, Secrets);

    private static List<string> InstanceIds(JsonNode? clients) => clients!.AsArray().Select(c => (string)c!["instanceId"]!).ToList();

    private static List<EngineEvent> ClientSteps(RecordingSink sink, string op) =>
        sink.Events.Where(e => e.Resource is { Type: "consul:client" } r && r.Op == op).ToList();

    [Fact]
    public async Task UpAsync_ClientCountChanged_UpdatesTheClientGroupOnlyAndTheOutputsListTheNewClients()
    {
        var engine = CreateEngine(new());
        var five = TestSpecs.Plan(TestSpecs.Spec(clients: 5));
        var created = await engine.UpAsync(five, Context("scale"), new RecordingSink(), Token);
        var sink = new RecordingSink();

        var grown = await engine.UpAsync(TestSpecs.Plan(TestSpecs.Spec(clients: 8)), Context("scale"), sink, Token);

        Assert.Equal(DeploymentOutcome.Succeeded, grown.Outcome);
        Assert.Equal([TopologyPlanBuilder.ClientGroup], sink.Names(EngineEventType.ResourceSucceeded, "update"));
        Assert.Equal(five.Resources.Count - 1, sink.Names(EngineEventType.ResourceSucceeded, "same").Count);
        Assert.Empty(sink.Names(EngineEventType.ResourceStarted, "create"));
        var started = Assert.Single(sink.Events, e => e.Type == EngineEventType.ResourceStarted && e.Resource!.Op == "update");
        Assert.Contains("desiredCapacity, maxSize, minSize", started.Message);
        var launched = ClientSteps(sink, "create").Select(e => e.Resource!.Name).ToList();
        Assert.Equal(3, launched.Count);
        Assert.Equal(InstanceIds(created.Outputs!["clients"]).Concat(launched).Order(), InstanceIds(grown.Outputs!["clients"]).Order());
        Assert.Equal(5, created.Outputs["clientCount"]!.GetValue<int>());
        Assert.Equal(8, grown.Outputs["clientCount"]!.GetValue<int>());
        Assert.Contains(sink.Events, e => e.Message.StartsWith("Consul: 8 client(s) alive: 4 in ", StringComparison.Ordinal));

        var shrinking = new RecordingSink();
        var shrunk = await engine.UpAsync(TestSpecs.Plan(TestSpecs.Spec(clients: 2)), Context("scale"), shrinking, Token);

        Assert.Equal(DeploymentOutcome.Succeeded, shrunk.Outcome);
        var left = ClientSteps(shrinking, "delete");
        Assert.Equal(6, left.Count);
        Assert.All(left, e => Assert.Contains("left datacenter", e.Message));
        Assert.Equal(2, shrunk.Outputs!["clients"]!.AsArray().Count);
        Assert.Equal(2, shrunk.Outputs["clientCount"]!.GetValue<int>());
        // The servers' Consul is unaffected by clients leaving gracefully.
        var health = await engine.CheckHealthAsync(TestSpecs.Plan(TestSpecs.Spec(clients: 2)), Context("scale"), Token);
        Assert.Equal(HealthStatus.Healthy, health.Status);
    }

    [Fact]
    public async Task UpAsync_StateStoredBeforeInputsWereRecorded_StillUpdatesTheResizedClientGroup()
    {
        var engine = CreateEngine(new());
        await engine.UpAsync(TestSpecs.Plan(TestSpecs.Spec(clients: 5)), Context("legacy"), new RecordingSink(), Token);
        foreach (var resource in await _store.LoadAsync("legacy", Token))
        {
            var outputs = (JsonObject)resource.Outputs.DeepClone();
            foreach (var key in new[] { "simulatedInputs", "desiredCapacity", "minSize", "maxSize" }) outputs.Remove(key);
            await _store.UpdateOutputsAsync("legacy", resource.Name, outputs, Token);
        }
        var sink = new RecordingSink();

        var result = await engine.UpAsync(TestSpecs.Plan(TestSpecs.Spec(clients: 7)), Context("legacy"), sink, Token);

        Assert.Equal([TopologyPlanBuilder.ClientGroup], sink.Names(EngineEventType.ResourceSucceeded, "update"));
        Assert.Equal(7, result.Outputs!["clients"]!.AsArray().Count);
        Assert.Equal(7, result.Outputs["clientCount"]!.GetValue<int>());
        Assert.All(await _store.LoadAsync("legacy", Token), r => Assert.NotNull(r.Outputs["simulatedInputs"]));
    }

    [Fact]
    public async Task PreviewAsync_ProposedChanges_ClassifiesWhatAnUpWouldUpdateAndChangesNothing()
    {
        var engine = CreateEngine(new());
        var five = TestSpecs.Plan(TestSpecs.Spec(clients: 5));
        await engine.UpAsync(five, Context("proposed"), new RecordingSink(), Token);
        var before = (await _store.LoadAsync("proposed", Token)).Select(r => r.Outputs.ToJsonString()).Order().ToList();
        var sink = new RecordingSink();

        var clients = await engine.PreviewAsync(TestSpecs.Plan(TestSpecs.Spec(clients: 8)), Context("proposed"), sink, Token);
        var version = await engine.PreviewAsync(TestSpecs.Plan(five.Spec with { ConsulVersion = "9.9.9" }), Context("proposed"), new RecordingSink(), Token);

        Assert.Equal(["clientGroup"], Named(clients.Outputs!, "update"));
        Assert.Empty(Named(clients.Outputs, "create"));
        Assert.Empty(Named(clients.Outputs, "delete"));
        Assert.Equal(five.Resources.Count - 1, Named(clients.Outputs, "unchanged").Count);
        var step = Assert.Single(sink.Events, e => e.Resource?.Op == "update");
        Assert.Contains("desiredCapacity, maxSize, minSize (5 → 8: launches 3 instance(s))", step.Message);
        Assert.Contains(TopologyPlanBuilder.ServerLaunchTemplate, Named(version.Outputs!, "update"));
        Assert.Contains(TopologyPlanBuilder.ClientLaunchTemplate, Named(version.Outputs, "update"));
        Assert.DoesNotContain(TopologyPlanBuilder.ClientGroup, Named(version.Outputs, "update"));
        Assert.Equal(before, (await _store.LoadAsync("proposed", Token)).Select(r => r.Outputs.ToJsonString()).Order().ToList());
    }
}
