using Provisioning.Engines;
using Provisioning.Simulation;
using Provisioning.Tests.Support;

namespace Provisioning.Tests;

public class SimulatedEngineTests
{
    [Fact]
    public void ZoneOutageDrill_SimulatedEngine_IsTheEngineItself()
    {
        var engine = new SimulatedEngine(new InMemorySimulatedStateStore(), new SimulatedEngineOptions { TimeScale = 0 }, TimeProvider.System);

        Assert.Same(engine, engine.ZoneOutageDrill);
    }

    [Fact]
    public async Task UpAsync_CancelledWhileResourcesAreCreating_ReportsThemCancelledNeverFailed()
    {
        // Real (scaled) latencies: several resources are being created when the cancellation comes.
        var engine = new SimulatedEngine(new InMemorySimulatedStateStore(), new SimulatedEngineOptions { TimeScale = 0.02 }, TimeProvider.System);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var sink = RecordingSink.CancellingAfter(3, cancellation);

        var result = await engine.UpAsync(Plans.Build(), new DeploymentContext("alpha", false, TestSpecs.Secrets()), sink, cancellation.Token);

        Assert.Equal(DeploymentOutcome.Cancelled, result.Outcome);
        Assert.Empty(sink.Names(EngineEventType.ResourceFailed));
        Assert.All(sink.Events, e => Assert.False(e.Message.Any(c => char.IsControl(c) && c != '\n'), $"control character in: {e.Message}"));
        var unfinished = sink.Names(EngineEventType.ResourceStarted).Except(sink.Names(EngineEventType.ResourceSucceeded)).ToList();
        Assert.NotEmpty(unfinished);
        var summary = Assert.Single(sink.Events, e => e.Type == EngineEventType.Summary);
        Assert.Contains($"0 failed, {unfinished.Count} cancelled", summary.Message);
    }

    [Fact]
    public async Task UpAsync_InstantScale_CreatesEveryResourceAfterItsDependencies()
    {
        var store = new InMemorySimulatedStateStore();
        var engine = new SimulatedEngine(store, new SimulatedEngineOptions { TimeScale = 0 }, TimeProvider.System);
        var plan = Plans.Build();
        var sink = new RecordingSink();

        var result = await engine.UpAsync(plan, new DeploymentContext("alpha", false, TestSpecs.Secrets()), sink, TestContext.Current.CancellationToken);

        Assert.Equal(DeploymentOutcome.Succeeded, result.Outcome);
        var created = sink.Events.Where(e => e.Type == EngineEventType.ResourceSucceeded).Select(e => e.Resource!.Name).ToList();
        Assert.Equal(plan.Resources.Select(r => r.Name).Order(), created.Order());
        foreach (var resource in plan.Resources)
            foreach (var dependency in resource.DependsOn)
                Assert.True(created.IndexOf(dependency) < created.IndexOf(resource.Name), $"{resource.Name} was created before {dependency}");
        Assert.Equal(2 * plan.Spec.ServersPerAz, result.Outputs!["wanMembers"]!.AsArray().Count);
    }

    [Fact]
    public async Task UpAsync_HardenedPlan_ShowsEachNodeProvingItsBootAndTheAclBootstrapAsSteps()
    {
        var engine = new SimulatedEngine(new InMemorySimulatedStateStore(), new SimulatedEngineOptions { TimeScale = 0 }, TimeProvider.System);
        var plan = TestSpecs.Plan(TestSpecs.Spec(adminCidr: TestSpecs.AdminCidr));
        var sink = new RecordingSink();

        var result = await engine.UpAsync(plan, new DeploymentContext("alpha", false, TestSpecs.Secrets()), sink, TestContext.Current.CancellationToken);

        Assert.Equal(DeploymentOutcome.Succeeded, result.Outcome);
        var steps = sink.Events.Where(e => e.Type == EngineEventType.Diagnostic).Select(e => e.Message).ToList();
        Assert.Contains(steps, m => m.StartsWith("eu-west-1a: ACL bootstrap created the policies consul-agent, consul-replication, consul-dns, consul-health", StringComparison.Ordinal));
        Assert.Contains(steps, m => m.StartsWith("eu-west-1b: ACL replication of policies and tokens from the primary datacenter eu-west-1a started", StringComparison.Ordinal));
        foreach (var group in new[] { "serverGroupA", "serverGroupB", "clientGroup" })
        {
            Assert.Contains(steps, m => m.StartsWith($"{group}: every instance passed its boot self-test", StringComparison.Ordinal) && m.Contains("CONTINUE"));
            // Each group's steps come while it is being created, before it succeeds.
            var created = sink.Events.ToList().FindIndex(e => e.Type == EngineEventType.ResourceSucceeded && e.Resource!.Name == group);
            var proven = sink.Events.ToList().FindIndex(e => e.Message.StartsWith($"{group}: every instance passed", StringComparison.Ordinal));
            Assert.InRange(proven, 0, created);
        }
        var outputs = result.Outputs!;
        Assert.All(outputs["servers"]!.AsObject().SelectMany(dc => dc.Value!.AsArray()).Concat(outputs["clients"]!.AsArray()),
            instance => Assert.Null(instance!["publicIp"]));
        Assert.StartsWith("https://10.0.", (string?)outputs["uiUrl"]);
        Assert.EndsWith(":8501/ui/", (string?)outputs["uiUrl"]);
        Assert.Equal(["eu-west-1a", "eu-west-1b"], outputs["natPublicIps"]!.AsObject().Select(kv => kv.Key));
        Assert.StartsWith("192.0.2.", (string?)outputs["natPublicIps"]!["eu-west-1a"]);
        Assert.Equal("alias/consul-alpha", (string?)outputs["kmsKeyAlias"]);
        Assert.Equal("eu-west-1a", (string?)outputs["primaryDatacenter"]);
    }

    [Fact]
    public async Task UpAsync_ZoneDown_AbandonsItsServersAtTheLifecycleHook()
    {
        var engine = new SimulatedEngine(new InMemorySimulatedStateStore(), new SimulatedEngineOptions { TimeScale = 0, DownZones = ["eu-west-1b"] }, TimeProvider.System);
        var sink = new RecordingSink();

        var result = await engine.UpAsync(Plans.Build(), new DeploymentContext("alpha", false, TestSpecs.Secrets()), sink, TestContext.Current.CancellationToken);

        Assert.Equal(DeploymentOutcome.Failed, result.Outcome);
        Assert.Contains(result.FailedResources!, r => r is "publicSubnetB" or "privateSubnetB" or "serverGroupB");
        Assert.Contains("simulated outage", result.Error);
    }
}
