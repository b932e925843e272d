using Provisioning.Engines;
using Provisioning.Simulation;
using Provisioning.Tests.Support;

namespace Provisioning.Tests;

public class SimulatedEngineTests
{
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
}
