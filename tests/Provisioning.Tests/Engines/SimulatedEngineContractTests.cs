using Provisioning.Engines;
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
}
