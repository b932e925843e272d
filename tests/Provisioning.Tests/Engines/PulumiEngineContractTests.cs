using System.Text.Json.Nodes;
using Provisioning.Engines;
using Provisioning.Tests.Support;
using Provisioning.Topology;

namespace Provisioning.Tests.Engines;

public sealed class PulumiEngineContractTests : DeploymentEngineContractTests, IDisposable
{
    private readonly FakePulumiSandbox _sandbox = new();

    protected override IDeploymentEngine CreateEngine(EngineSetup setup)
    {
        var environment = new Dictionary<string, string>();
        if (setup.FailResource is not null) environment["FAKE_PULUMI_FAIL_RESOURCE"] = setup.FailResource;
        if (setup.Slow) environment["FAKE_PULUMI_STEP_DELAY_MS"] = "150";
        return _sandbox.Engine(environment);
    }

    protected override async Task CrashMidwayAsync(TopologyPlan plan, string stack, int resources, RecordingSink sink)
    {
        var engine = _sandbox.Engine(new Dictionary<string, string> { ["FAKE_PULUMI_CRASH_AFTER"] = resources.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var result = await engine.UpAsync(plan, new DeploymentContext(stack, false, Secrets), sink, TestContext.Current.CancellationToken);
        Assert.Equal(DeploymentOutcome.Failed, result.Outcome);
    }

    protected override Task<IReadOnlyList<string>> ResourcesLeftAsync(string stack)
    {
        var file = _sandbox.StateFile(stack);
        IReadOnlyList<string> names = file is null ? [] : JsonNode.Parse(File.ReadAllText(file))!["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToList();
        return Task.FromResult(names);
    }

    public void Dispose() => _sandbox.Dispose();

    /// <remarks>
    /// The fake CLI's <c>up</c> keeps an existing resource as it is (it has no update step), so a changed client count
    /// is proven on the program instead (PulumiProgramWriterTests); here, that the outputs carry the group's size through the CLI.
    /// </remarks>
    [Fact]
    public async Task UpAsync_NewStack_TheOutputsCarryTheClientGroupsSize()
    {
        var plan = TestSpecs.Plan(TestSpecs.Spec(clients: 4));

        var result = await _sandbox.Engine(new Dictionary<string, string>()).UpAsync(plan, new DeploymentContext("sized", false, Secrets), new RecordingSink(), TestContext.Current.CancellationToken);

        Assert.Equal(DeploymentOutcome.Succeeded, result.Outcome);
        Assert.Equal("4", result.Outputs!["clientCount"]!.ToString());
    }
}
