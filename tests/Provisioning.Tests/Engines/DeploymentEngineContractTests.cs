using static TestSupport.PreviewResults;
using Provisioning.Consul;
using Provisioning.Engines;
using Provisioning.Security;
using Provisioning.Tests.Support;
using Provisioning.Topology;
using Provisioning.Clusters;

namespace Provisioning.Tests.Engines;

/// <summary>Failures and pacing a contract test asks of the engine under test.</summary>
/// <param name="Slow">Steps take long enough for a cancel to land between them.</param>
public sealed record EngineSetup(string? FailResource = null, bool Slow = false);

/// <summary>
/// What every <see cref="IDeploymentEngine"/> promises, written once and run against each engine:
/// the simulated one and Pulumi over the fake CLI behave alike for the portal.
/// </summary>
public abstract class DeploymentEngineContractTests
{
    protected static readonly ClusterSecrets Secrets = TestSpecs.Secrets();

    protected abstract IDeploymentEngine CreateEngine(EngineSetup setup);

    /// <summary>Starts an up that dies abruptly after about <paramref name="resources"/> resources, as a crashed process would.</summary>
    protected abstract Task CrashMidwayAsync(TopologyPlan plan, string stack, int resources, RecordingSink sink);

    /// <summary>The resources the engine's state still holds for the stack.</summary>
    protected abstract Task<IReadOnlyList<string>> ResourcesLeftAsync(string stack);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static DeploymentContext Context(string stack, bool resumed = false, string? failResource = null) =>
        new(stack, resumed, Secrets, failResource is null ? null : new SimulatedFaults(failResource));

    [Fact]
    public async Task UpAsync_NewStack_CreatesEveryResourceAfterItsDependenciesWithOutputs()
    {
        var plan = Plans.Build();
        var sink = new RecordingSink();

        var result = await CreateEngine(new()).UpAsync(plan, Context("create"), sink, Token);

        Assert.Equal(DeploymentOutcome.Succeeded, result.Outcome);
        var created = sink.Names(EngineEventType.ResourceSucceeded, "create");
        Assert.Equal(plan.Resources.Select(r => r.Name).Order(), created.Order());
        var events = sink.Events;
        foreach (var resource in plan.Resources)
        {
            var started = events.ToList().FindIndex(e => e.Type == EngineEventType.ResourceStarted && e.Resource!.Name == resource.Name);
            foreach (var dependency in resource.DependsOn)
                Assert.True(events.ToList().FindIndex(e => e.Type == EngineEventType.ResourceSucceeded && e.Resource!.Name == dependency) < started,
                    $"{resource.Name} started before {dependency} was created");
        }
        Assert.Equal(plan.Spec.Region, result.Outputs!["region"]!.GetValue<string>());
        Assert.StartsWith("vpc-", result.Outputs["vpcId"]!.GetValue<string>());
        Assert.Contains(events, e => e.Type == EngineEventType.Summary);
        Assert.All(Secrets.Confidential, secret => Assert.DoesNotContain(events, e => e.Message.Contains(secret, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task UpAsync_OneResourceFails_ReportsItByNameWithTheProviderError()
    {
        var plan = Plans.Build();
        var sink = new RecordingSink();
        var failing = TopologyPlanBuilder.InstanceProfile(ConsulRole.Server);

        var result = await CreateEngine(new(FailResource: failing)).UpAsync(plan, Context("fail", failResource: failing), sink, Token);

        Assert.Equal(DeploymentOutcome.Failed, result.Outcome);
        Assert.Equal([failing], result.FailedResources);
        var failed = Assert.Single(sink.Events, e => e.Type == EngineEventType.ResourceFailed);
        Assert.Equal(failing, failed.Resource!.Name);
        Assert.Equal(EventSeverity.Error, failed.Severity);
        Assert.NotEmpty(failed.Message);
        Assert.Contains(failed.Message, result.Error);
        // Nothing that needs the failed resource was attempted.
        var started = sink.Names(EngineEventType.ResourceStarted);
        Assert.DoesNotContain(TopologyPlanBuilder.ServerLaunchTemplate, started);
        Assert.DoesNotContain(TopologyPlanBuilder.ServerGroup(0), started);
    }

    [Fact]
    public async Task UpAsync_CancelledMidway_StopsAtASafePointAndALaterUpCompletesTheRest()
    {
        var plan = Plans.Build();
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var first = RecordingSink.CancellingAfter(3, cancellation);
        var engine = CreateEngine(new(Slow: true));

        var cancelled = await engine.UpAsync(plan, Context("cancel"), first, cancellation.Token);

        Assert.Equal(DeploymentOutcome.Cancelled, cancelled.Outcome);
        var createdFirst = first.Names(EngineEventType.ResourceSucceeded, "create");
        Assert.InRange(createdFirst.Count, 3, plan.Resources.Count - 1);

        var second = new RecordingSink();
        var resumed = await CreateEngine(new()).UpAsync(plan, Context("cancel"), second, Token);

        Assert.Equal(DeploymentOutcome.Succeeded, resumed.Outcome);
        var createdTotal = createdFirst.Concat(second.Names(EngineEventType.ResourceSucceeded, "create")).ToList();
        Assert.Equal(plan.Resources.Select(r => r.Name).Order(), createdTotal.Order());
    }

    [Fact]
    public async Task UpAsync_ResumedAfterACrash_CompletesWithoutCreatingAnyResourceTwice()
    {
        var plan = Plans.Build();
        var crashed = new RecordingSink();
        await CrashMidwayAsync(plan, "crash", 4, crashed);
        var createdBefore = crashed.Names(EngineEventType.ResourceSucceeded, "create");
        Assert.InRange(createdBefore.Count, 1, plan.Resources.Count - 1);

        var sink = new RecordingSink();
        var result = await CreateEngine(new()).UpAsync(plan, Context("crash", resumed: true), sink, Token);

        Assert.Equal(DeploymentOutcome.Succeeded, result.Outcome);
        var createdTotal = createdBefore.Concat(sink.Names(EngineEventType.ResourceSucceeded, "create")).ToList();
        Assert.Equal(plan.Resources.Select(r => r.Name).Order(), createdTotal.Order());
        Assert.Equal(plan.Resources.Select(r => r.Name).Order(), (await ResourcesLeftAsync("crash")).Order());
    }

    [Fact]
    public async Task DestroyAsync_AfterUp_DeletesEveryResourceAndLeavesNothing()
    {
        var plan = Plans.Build();
        var engine = CreateEngine(new());
        Assert.Equal(DeploymentOutcome.Succeeded, (await engine.UpAsync(plan, Context("destroy"), new RecordingSink(), Token)).Outcome);
        var sink = new RecordingSink();

        var result = await engine.DestroyAsync(plan, Context("destroy"), sink, Token);

        Assert.Equal(DeploymentOutcome.Succeeded, result.Outcome);
        Assert.Equal(plan.Resources.Select(r => r.Name).Order(), sink.Names(EngineEventType.ResourceSucceeded, "delete").Order());
        Assert.Empty(await ResourcesLeftAsync("destroy"));
        // What costs money or holds secrets after a cluster is gone goes too: NAT gateways and their
        // addresses, the KMS key (AWS schedules its deletion) and every secret parameter.
        var deletedTypes = sink.Events.Where(e => e.Type == EngineEventType.ResourceSucceeded && e.Resource!.Op == "delete")
            .GroupBy(e => e.Resource!.Type.Split(':')[^1]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(2, deletedTypes["NatGateway"]);
        Assert.Equal(2, deletedTypes["Eip"]);
        Assert.Equal(1, deletedTypes["Key"]);
        Assert.Equal(1, deletedTypes["Alias"]);
        Assert.Equal(8, deletedTypes["Parameter"]);
    }

    [Fact]
    public async Task RefreshAsync_AfterUp_ReadsEveryResourceAndSucceeds()
    {
        var plan = Plans.Build();
        var engine = CreateEngine(new());
        Assert.Equal(DeploymentOutcome.Succeeded, (await engine.UpAsync(plan, Context("refresh"), new RecordingSink(), Token)).Outcome);
        var sink = new RecordingSink();

        var result = await engine.RefreshAsync(plan, Context("refresh"), sink, Token);

        Assert.Equal(DeploymentOutcome.Succeeded, result.Outcome);
        Assert.Equal(plan.Resources.Select(r => r.Name).Order(), sink.Names(EngineEventType.ResourceSucceeded, "refresh").Order());
        Assert.Equal(plan.Resources.Count, (await ResourcesLeftAsync("refresh")).Count);
    }

    [Fact]
    public async Task PreviewAsync_NewStack_ListsEveryResourceToCreateAndCreatesNothing()
    {
        var plan = Plans.Build();
        var sink = new RecordingSink();

        var result = await CreateEngine(new()).PreviewAsync(plan, Context("preview-new"), sink, Token);

        Assert.Equal(DeploymentOutcome.Succeeded, result.Outcome);
        // The operation's result as the API shows it: every resource with its op, and the counts.
        Assert.Equal(["changes", "counts"], result.Outputs?.Select(p => p.Key));
        Assert.Equal(plan.Resources.Select(r => r.Name).Order(), Named(result.Outputs!, "create").Order());
        Assert.Empty(Named(result.Outputs, "update"));
        Assert.Empty(Named(result.Outputs, "delete"));
        Assert.Empty(Named(result.Outputs, "unchanged"));
        Assert.DoesNotContain(sink.Events, e => e.Type is EngineEventType.ResourceStarted or EngineEventType.ResourceSucceeded);
        Assert.Empty(await ResourcesLeftAsync("preview-new"));
    }

    [Fact]
    public async Task PreviewAsync_AfterUp_ListsEveryResourceUnchanged()
    {
        var plan = Plans.Build();
        var engine = CreateEngine(new());
        Assert.Equal(DeploymentOutcome.Succeeded, (await engine.UpAsync(plan, Context("preview-up"), new RecordingSink(), Token)).Outcome);

        var result = await engine.PreviewAsync(plan, Context("preview-up"), new RecordingSink(), Token);

        Assert.Equal(DeploymentOutcome.Succeeded, result.Outcome);
        Assert.Equal(plan.Resources.Select(r => r.Name).Order(), Named(result.Outputs!, "unchanged").Order());
        Assert.Empty(Named(result.Outputs, "create"));
        Assert.Empty(Named(result.Outputs, "delete"));
        Assert.Equal(plan.Resources.Count, (await ResourcesLeftAsync("preview-up")).Count);
    }

    [Fact]
    public async Task PreviewAsync_ChangedClientCount_ReportsTheClientGroupAsAnUpdateOfItsSizeAndTheRestUnchanged()
    {
        var engine = CreateEngine(new());
        var five = TestSpecs.Plan(TestSpecs.Spec(clients: 5));
        Assert.Equal(DeploymentOutcome.Succeeded, (await engine.UpAsync(five, Context("preview-resize"), new RecordingSink(), Token)).Outcome);

        var result = await engine.PreviewAsync(TestSpecs.Plan(TestSpecs.Spec(clients: 8)), Context("preview-resize"), new RecordingSink(), Token);

        Assert.Equal(DeploymentOutcome.Succeeded, result.Outcome);
        Assert.Equal([TopologyPlanBuilder.ClientGroup], Named(result.Outputs!, "update"));
        var change = Change(result.Outputs!, TopologyPlanBuilder.ClientGroup);
        Assert.Equal(["desiredCapacity", "maxSize", "minSize"], change["properties"]!.AsArray().Select(p => (string)p!));
        Assert.Equal(five.Resources.Count - 1, Named(result.Outputs!, "unchanged").Count);
        Assert.Equal(1, (int)result.Outputs!["counts"]!["update"]!);
        Assert.Equal(five.Resources.Count - 1, (int)result.Outputs!["counts"]!["unchanged"]!);
    }

    [Fact]
    public async Task ReadinessProblemAsync_UsableEngine_ReportsNone()
    {
        Assert.Null(await CreateEngine(new()).ReadinessProblemAsync(Token));
    }

}
