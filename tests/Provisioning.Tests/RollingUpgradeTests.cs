using System.Text.Json.Nodes;
using Provisioning.Engines;
using Provisioning.Health;
using Provisioning.Simulation;
using Provisioning.Tests.Support;
using Provisioning.Topology;

namespace Provisioning.Tests;

/// <summary>The rolling Consul upgrade on the simulated engine: the order of its steps is the safety it promises.</summary>
public sealed class RollingUpgradeTests
{
    private const string Old = "2.0.4", New = "2.1.0";
    private readonly InMemorySimulatedStateStore _store = new();
    private readonly SimulatedEngine _engine;

    public RollingUpgradeTests() =>
        _engine = new SimulatedEngine(_store, new SimulatedEngineOptions { TimeScale = 0, RolloutHealthAttempts = 3 }, TimeProvider.System);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static TopologyPlan PlanAt(string version) => TestSpecs.Plan(TestSpecs.Spec() with { ConsulVersion = version });

    private static DeploymentContext Context(int? failReplacement = null) =>
        new("alpha", false, TestSpecs.Secrets(), failReplacement is null ? null : new SimulatedFaults(null, FailReplacement: failReplacement));

    private async Task<ClusterHealth> DeployedAtOldVersionAsync()
    {
        Assert.Equal(DeploymentOutcome.Succeeded, (await _engine.UpAsync(PlanAt(Old), Context(), new RecordingSink(), Token)).Outcome);
        return await _engine.CheckHealthAsync(PlanAt(Old), Context(), Token);
    }

    [Fact]
    public async Task UpAsync_NewConsulVersion_ReplacesServersOneAtATimePerDatacenterLeaderLastThenClients()
    {
        var before = await DeployedAtOldVersionAsync();
        var sink = new RecordingSink();

        var result = await _engine.UpAsync(PlanAt(New), Context(), sink, Token);

        Assert.Equal(DeploymentOutcome.Succeeded, result.Outcome);
        var steps = Steps(sink);
        var servers = steps.Where(s => s.Type == RollingUpgrade.ServerType).ToList();
        Assert.Equal(6, servers.Count(s => s.Event == EngineEventType.ResourceStarted));
        Assert.True(servers.All(s => s.Resource.Op == "replace"));
        // Never two servers in flight: every start is followed by its own end before the next start.
        for (var i = 0; i < servers.Count; i += 2)
        {
            Assert.Equal(EngineEventType.ResourceStarted, servers[i].Event);
            Assert.Equal(EngineEventType.ResourceSucceeded, servers[i + 1].Event);
            Assert.Equal(servers[i].Resource.Name, servers[i + 1].Resource.Name);
        }
        var started = servers.Where(s => s.Event == EngineEventType.ResourceStarted).ToList();
        // One datacenter after the other, the primary first, its leader last.
        Assert.Equal(before.Datacenters.Select(d => d.Name).ToList(), started.Select(s => DatacenterOf(before, s.Resource.Name)).Distinct().ToList());
        Assert.Equal(3, started.TakeWhile(s => DatacenterOf(before, s.Resource.Name) == before.Datacenters[0].Name).Count());
        foreach (var dc in before.Datacenters)
            Assert.Equal(dc.Servers.Single(s => s.Leader).Node, started.Last(s => DatacenterOf(before, s.Resource.Name) == dc.Name).Resource.Name);
        // A snapshot of each datacenter before the first server.
        var firstServer = steps.IndexOf(servers[0]);
        var snapshots = steps.Take(firstServer).Where(s => s.Type == RollingUpgrade.SnapshotType && s.Event == EngineEventType.ResourceSucceeded).ToList();
        Assert.Equal(before.Datacenters.Select(d => $"snapshot/{d.Name}").Order(), snapshots.Select(s => s.Resource.Name).Order());
        // Clients after every server.
        var clients = steps.Where(s => s.Type == RollingUpgrade.ClientType && s.Resource.Op == "replace").ToList();
        Assert.Equal(10, clients.Count);
        Assert.True(steps.IndexOf(clients[0]) > steps.IndexOf(servers[^1]));

        var after = await _engine.CheckHealthAsync(PlanAt(New), Context(), Token);
        Assert.Equal(HealthStatus.Healthy, after.Status);
        Assert.All(after.Datacenters.SelectMany(d => d.Servers), s => Assert.Equal(New, s.Version));
        Assert.Empty(after.Datacenters.SelectMany(d => d.Servers).IntersectBy(before.Datacenters.SelectMany(d => d.Servers).Select(s => s.Node), s => s.Node));
    }

    [Fact]
    public async Task UpAsync_InjectedHealthFailure_StopsAtThatServerWithTheReason()
    {
        await DeployedAtOldVersionAsync();
        var sink = new RecordingSink();

        var result = await _engine.UpAsync(PlanAt(New), Context(failReplacement: 2), sink, Token);

        Assert.Equal(DeploymentOutcome.Failed, result.Outcome);
        var stop = Assert.IsType<RolloutStop>(result.Rollout);
        var steps = Steps(sink);
        var servers = steps.Where(s => s.Type == RollingUpgrade.ServerType).ToList();
        Assert.Equal(2, servers.Count(s => s.Event == EngineEventType.ResourceStarted));
        Assert.Equal(EngineEventType.ResourceFailed, servers[^1].Event);
        Assert.Equal(stop.Replaced, servers[^1].Resource.Name);
        Assert.Contains(stop.Node, stop.Reason);
        Assert.Equal(result.Error, stop.Reason);
        Assert.DoesNotContain(steps, s => s.Type == RollingUpgrade.ClientType);
        Assert.Equal(HealthStatus.Degraded, stop.Health.Status);
    }

    [Fact]
    public async Task UpAsync_AfterAStop_ContinuesWithTheFailedReplacementAndTheRest()
    {
        await DeployedAtOldVersionAsync();
        await _engine.UpAsync(PlanAt(New), Context(failReplacement: 2), new RecordingSink(), Token);
        var sink = new RecordingSink();

        var result = await _engine.UpAsync(PlanAt(New), Context(), sink, Token);

        Assert.Equal(DeploymentOutcome.Succeeded, result.Outcome);
        // The first server stays replaced; the failed replacement and the other four are replaced now.
        Assert.Equal(5, Steps(sink).Count(s => s.Type == RollingUpgrade.ServerType && s.Event == EngineEventType.ResourceStarted));
        Assert.Equal(HealthStatus.Healthy, (await _engine.CheckHealthAsync(PlanAt(New), Context(), Token)).Status);
    }

    [Fact]
    public async Task UpAsync_OldVersionAfterAStop_RollsTheReplacedServersBack()
    {
        await DeployedAtOldVersionAsync();
        await _engine.UpAsync(PlanAt(New), Context(failReplacement: 2), new RecordingSink(), Token);
        var sink = new RecordingSink();

        var result = await _engine.UpAsync(PlanAt(Old), Context(), sink, Token);

        Assert.Equal(DeploymentOutcome.Succeeded, result.Outcome);
        Assert.Equal(2, Steps(sink).Count(s => s.Type == RollingUpgrade.ServerType && s.Event == EngineEventType.ResourceStarted));
        var health = await _engine.CheckHealthAsync(PlanAt(Old), Context(), Token);
        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.All(health.Datacenters.SelectMany(d => d.Servers), s => Assert.Equal(Old, s.Version));
    }

    [Fact]
    public async Task UpAsync_SameVersion_ReplacesNothing()
    {
        await DeployedAtOldVersionAsync();
        var sink = new RecordingSink();

        await _engine.UpAsync(PlanAt(Old), Context(), sink, Token);

        Assert.DoesNotContain(sink.Events, e => e.Resource?.Op == "replace" || e.Resource?.Type == RollingUpgrade.SnapshotType);
    }

    [Fact]
    public async Task RestoreAsync_Snapshot_BringsBackTheKvItHad()
    {
        var plan = PlanAt(Old);
        await DeployedAtOldVersionAsync();
        await SetKvAsync("serverGroupA", new JsonObject { ["app/config"] = "v1" });
        Assert.Equal(DeploymentOutcome.Succeeded, (await _engine.TakeAsync(plan, Context(), IConsulSnapshots.Manual, new RecordingSink(), Token)).Outcome);
        await SetKvAsync("serverGroupA", new JsonObject { ["app/config"] = "broken" });
        var snapshots = await _engine.ListAsync(plan, Context(), Token);
        var primary = snapshots.Single(s => s.Datacenter == plan.Spec.AzA);

        var result = await _engine.RestoreAsync(plan, Context(), primary.Id, new RecordingSink(), Token);

        Assert.Equal(DeploymentOutcome.Succeeded, result.Outcome);
        Assert.Equal(2, snapshots.Count);
        Assert.Equal(IConsulSnapshots.Manual, primary.Reason);
        Assert.True(primary.SizeBytes > 0);
        var group = (await _store.LoadAsync("alpha", Token)).Single(r => r.Name == "serverGroupA");
        Assert.Equal("v1", group.Outputs["kv"]!["app/config"]!.GetValue<string>());
    }

    [Fact]
    public async Task RestoreAsync_UnknownSnapshot_FailsAndChangesNothing()
    {
        await DeployedAtOldVersionAsync();

        var result = await _engine.RestoreAsync(PlanAt(Old), Context(), "eu-west-1a-19700101T000000000Z-0000", new RecordingSink(), Token);

        Assert.Equal(DeploymentOutcome.Failed, result.Outcome);
        Assert.Contains("no snapshot", result.Error);
    }

    private async Task SetKvAsync(string group, JsonObject kv)
    {
        var resource = (await _store.LoadAsync("alpha", Token)).Single(r => r.Name == group);
        var outputs = (JsonObject)resource.Outputs.DeepClone();
        outputs["kv"] = kv;
        await _store.UpdateOutputsAsync("alpha", group, outputs, Token);
    }

    private sealed record Step(EngineEventType Event, EventResource Resource)
    {
        public string Type => Resource.Type;
    }

    private static List<Step> Steps(RecordingSink sink) =>
        sink.Events.Where(e => e.Resource is not null && e.Type is EngineEventType.ResourceStarted or EngineEventType.ResourceSucceeded or EngineEventType.ResourceFailed)
            .Select(e => new Step(e.Type, e.Resource!)).ToList();

    private static string DatacenterOf(ClusterHealth health, string node) =>
        health.Datacenters.Single(d => d.Servers.Any(s => s.Node == node)).Name;
}
