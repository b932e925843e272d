using System.Text.Json.Nodes;
using Provisioning.Engines;
using Provisioning.Health;
using Provisioning.Simulation;
using Provisioning.Tests.Support;
using Provisioning.Topology;

namespace Provisioning.Tests;

/// <summary>The simulated Consul answers the health probe from its nodes, and the zone-outage drill changes what it answers.</summary>
public class SimulatedHealthTests
{
    private const string ZoneA = "eu-west-1a", ZoneB = "eu-west-1b";
    private readonly InMemorySimulatedStateStore _store = new();
    private readonly SimulatedEngine _engine;

    public SimulatedHealthTests() => _engine = new SimulatedEngine(_store, new SimulatedEngineOptions { TimeScale = 0 }, TimeProvider.System);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CheckHealth_DeployedCluster_EveryCheckPassesFromTheNodesItLaunched()
    {
        var (plan, context) = await DeployAsync();

        var health = await _engine.CheckHealthAsync(plan, context, Ct);

        Assert.Equal(HealthStatus.Healthy, health.Status);
        var outputs = (await _store.LoadAsync("alpha", Ct)).Single(r => r.Name == TopologyPlanBuilder.ServerGroup(0)).Outputs;
        var instances = outputs["instances"]!.AsArray().Select(i => (string)i!["instanceId"]!).ToList();
        var zoneA = health.Datacenters.Single(dc => dc.Name == ZoneA);
        Assert.Equal(instances, zoneA.Servers.Select(s => s.Node));
        Assert.Equal(instances[0], zoneA.ProbedInstance);
        Assert.Equal($"{zoneA.Servers.Single(s => s.Leader).Address}", zoneA.Leader);
        Assert.Equal(new WanMembership(6, 6), health.WanMembers);
    }

    [Theory]
    [InlineData(SimulatedHealthFault.NoLeader, "leader/" + ZoneA)]
    [InlineData(SimulatedHealthFault.MissingVoter, "voters/" + ZoneA)]
    [InlineData(SimulatedHealthFault.NoFailureTolerance, "failure-tolerance/" + ZoneA)]
    [InlineData(SimulatedHealthFault.WanMemberDown, "wan-members")]
    [InlineData(SimulatedHealthFault.DnsFails, "dns/" + ZoneA)]
    [InlineData(SimulatedHealthFault.ReplicationStopped, "acl-replication")]
    public async Task CheckHealth_InjectedFault_DegradedNamingThatCheck(SimulatedHealthFault fault, string check)
    {
        var (plan, context) = await DeployAsync();

        var health = await _engine.CheckHealthAsync(plan, context with { Faults = new SimulatedFaults(null, fault) }, Ct);

        Assert.Equal(HealthStatus.Degraded, health.Status);
        Assert.Contains(check, health.Failing.Select(c => c.Name));
        // The other datacenter is untouched by a datacenter's own fault.
        Assert.DoesNotContain(health.Failing, c => c.Name.EndsWith("/" + ZoneB, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CheckHealth_FiveServersMissingAVoter_OnlyTheVotersCheckFails()
    {
        // With five servers a missing voter still leaves a tolerance of one: the voters check fails on its own.
        var (plan, context) = await DeployAsync(TestSpecs.Spec(servers: 5));

        var health = await _engine.CheckHealthAsync(plan, context with { Faults = new SimulatedFaults(null, SimulatedHealthFault.MissingVoter) }, Ct);

        Assert.Equal([$"voters/{ZoneA}"], health.Failing.Select(c => c.Name));
        Assert.Contains("4 of 5 servers are healthy voters", health.Failing.Single().Detail);
    }

    [Fact]
    public async Task CheckHealth_NothingDeployed_EveryDatacenterUnreachable()
    {
        var plan = TestSpecs.Plan();

        var health = await _engine.CheckHealthAsync(plan, new DeploymentContext("alpha", false, TestSpecs.Secrets()), Ct);

        Assert.All(health.Datacenters, dc => Assert.False(dc.Reachable));
        Assert.All(health.Checks, c => Assert.False(c.Passed));
    }

    [Fact]
    public async Task ZoneOutage_ThenRestore_SurvivorServesClientsMoveAndRebalance()
    {
        var (plan, context) = await DeployAsync();
        var sink = new RecordingSink();

        var down = await _engine.TakeZoneDownAsync(plan, context, ZoneA, sink, Ct);

        Assert.Equal(DeploymentOutcome.Succeeded, down.Outcome);
        Assert.All(down.Outputs!["clients"]!.AsArray(), c => Assert.Equal(ZoneB, (string)c!["availabilityZone"]!));
        Assert.Equal(5, down.Outputs["clients"]!.AsArray().Select(c => (string)c!["privateIp"]!).Distinct().Count());
        var during = await _engine.CheckHealthAsync(plan, context, Ct);
        Assert.False(during.Datacenters.Single(dc => dc.Name == ZoneA).Reachable);
        var survivor = during.Datacenters.Single(dc => dc.Name == ZoneB);
        Assert.True(survivor.Reachable);
        Assert.NotNull(survivor.Leader);
        Assert.Equal(1, survivor.FailureTolerance);
        Assert.Equal(new WanMembership(3, 6), during.WanMembers);
        Assert.Contains("No path to datacenter eu-west-1a", during.Checks.Single(c => c.Name == "acl-replication").Detail);
        Assert.Contains(sink.Events, e => e.Resource?.Name == TopologyPlanBuilder.ClientGroup && e.Type == EngineEventType.ResourceSucceeded);
        Assert.Equal(3, sink.Events.Count(e => e.Message.Contains("launched", StringComparison.Ordinal) && e.Message.Contains($"in {ZoneB}", StringComparison.Ordinal)));

        var up = await _engine.RestoreZoneAsync(plan, context, ZoneA, new RecordingSink(), Ct);

        Assert.Equal(DeploymentOutcome.Succeeded, up.Outcome);
        var zones = up.Outputs!["clients"]!.AsArray().GroupBy(c => (string)c!["availabilityZone"]!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(3, zones[ZoneA]);
        Assert.Equal(2, zones[ZoneB]);
        Assert.Equal(HealthStatus.Healthy, (await _engine.CheckHealthAsync(plan, context, Ct)).Status);
    }

    [Fact]
    public async Task ZoneOutage_UnknownZone_FailsAndChangesNothing()
    {
        var (plan, context) = await DeployAsync();
        var before = (await _store.LoadAsync("alpha", Ct)).Select(r => r.Outputs.ToJsonString()).ToList();

        var result = await _engine.TakeZoneDownAsync(plan, context, "eu-west-1c", new RecordingSink(), Ct);

        Assert.Equal(DeploymentOutcome.Failed, result.Outcome);
        Assert.Equal(before, (await _store.LoadAsync("alpha", Ct)).Select(r => r.Outputs.ToJsonString()).ToList());
    }

    private async Task<(TopologyPlan, DeploymentContext)> DeployAsync(Clusters.ClusterSpec? spec = null)
    {
        var plan = TestSpecs.Plan(spec);
        var context = new DeploymentContext("alpha", false, TestSpecs.Secrets());
        Assert.Equal(DeploymentOutcome.Succeeded, (await _engine.UpAsync(plan, context, new RecordingSink(), Ct)).Outcome);
        return (plan, context);
    }
}
