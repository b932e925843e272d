using System.Text.Json.Nodes;
using FakeSsm;
using Provisioning.Clusters;
using Provisioning.Health;
using Provisioning.Tests.Support;
using Provisioning.Topology;

namespace Provisioning.Tests.Health;

/// <summary>
/// The evaluator on its own, from reports built of Consul's documented answers: the stand-in's fixtures
/// (tests/FakeSsm/ConsulDocuments.cs) and, where it matters, the documentation's own sample responses.
/// </summary>
public sealed class ConsulHealthEvaluatorTests
{
    private static readonly ClusterSpec Spec = TestSpecs.Spec();
    private static readonly string Primary = Spec.AvailabilityZones[0], Secondary = Spec.AvailabilityZones[1];
    private static readonly DateTimeOffset Now = new(2026, 5, 4, 10, 0, 0, TimeSpan.Zero);

    private static FakeDatacenter Servers(int zone, params ConsulFault[] faults)
    {
        var datacenter = new FakeDatacenter(ClusterNames.JoinTag(Spec, zone));
        foreach (var fault in faults) datacenter.Faults.Add(fault);
        return datacenter;
    }

    /// <summary>What the health check prints on the first server of the zone.</summary>
    private static JsonObject Report(int zone, FakeDatacenter? servers = null, FakeDatacenter? other = null)
    {
        servers ??= Servers(zone);
        other ??= Servers(1 - zone);
        var probe = new ConsulDocuments.Probe(Spec.AvailabilityZones[zone], Primary, Spec.AvailabilityZones);
        return ConsulDocuments.Report(probe, servers, servers.InstanceId(0), dc => dc == probe.Datacenter ? servers : other, Now);
    }

    private static ClusterHealth Evaluate(JsonObject primary, JsonObject secondary) =>
        ConsulHealthEvaluator.Evaluate(Spec,
            [new DatacenterProbe(Primary, "i-1", primary), new DatacenterProbe(Secondary, "i-2", secondary)], Now);

    private static Dictionary<string, HealthCheckResult> Checks(ClusterHealth health) => health.Checks.ToDictionary(c => c.Name);

    private static string Named(string check, string datacenter) => ConsulHealthEvaluator.Named(check, datacenter);

    [Fact]
    public void Evaluate_HealthyReports_PassesEveryCheckOfTheDesignTable()
    {
        var health = Evaluate(Report(0), Report(1));

        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.Equal(
            [Named("leader", Primary), Named("voters", Primary), Named("failure-tolerance", Primary), Named("dns", Primary),
             Named("leader", Secondary), Named("voters", Secondary), Named("failure-tolerance", Secondary), Named("dns", Secondary),
             "wan-members", "acl-replication"],
            health.Checks.Select(c => c.Name));
        Assert.Equal(Now, health.CheckedAt);
    }

    /// <summary>Consul writes Go times with nanoseconds (RFC 3339 "nano"): a recent success must count.</summary>
    [Fact]
    public void Evaluate_ReplicationTimesWithNanoseconds_CountsTheLastSuccess()
    {
        var secondary = Report(1);
        secondary["aclReplication"]!["LastSuccess"] = "2026-05-04T09:59:48.123456789Z";

        var check = Checks(Evaluate(Report(0), secondary))[ConsulHealthEvaluator.AclReplicationCheck];

        Assert.True(check.Passed, check.Detail);
    }

    [Fact]
    public void Evaluate_ReplicationErrorAfterItsLastSuccess_FailsNamingTheError()
    {
        var secondary = Report(1, Servers(1, ConsulFault.ReplicationStopped));
        secondary["aclReplication"]!["Running"] = true;

        var check = Checks(Evaluate(Report(0), secondary))[ConsulHealthEvaluator.AclReplicationCheck];

        Assert.False(check.Passed);
        Assert.Contains($"ACL replication in {Secondary} is failing: failed to retrieve ACL token updates", check.Detail);
    }

    /// <summary>The sample of /v1/acl/replication in Consul's API documentation: running, its last error older than its last success.</summary>
    [Fact]
    public void Evaluate_DocumentedReplicationSample_Passes()
    {
        var secondary = Report(1);
        secondary["aclReplication"] = JsonNode.Parse("""
            {
              "Enabled": true,
              "Running": true,
              "SourceDatacenter": "dc1",
              "ReplicationType": "tokens",
              "ReplicatedIndex": 1976,
              "ReplicatedTokenIndex": 2018,
              "LastSuccess": "2018-11-03T06:28:58Z",
              "LastError": "2016-11-03T06:28:28Z",
              "LastErrorMessage": "failed to retrieve ACL policy updates: RPC rate limit exceeded"
            }
            """);

        Assert.True(Checks(Evaluate(Report(0), secondary))[ConsulHealthEvaluator.AclReplicationCheck].Passed);
    }

    /// <summary>The sample of /v1/operator/autopilot/health: node2 is no voter and the tolerance is 0.</summary>
    [Fact]
    public void Evaluate_DocumentedAutopilotSample_FailsVotersAndToleranceNamingTheNonVoter()
    {
        var primary = Report(0);
        primary["autopilot"] = JsonNode.Parse("""
            {
              "Healthy": true,
              "FailureTolerance": 0,
              "Servers": [
                { "ID": "e349749b-3303-3ddf-959c-b5885a0e1f6e", "Name": "node1", "Address": "127.0.0.1:8300", "SerfStatus": "alive",
                  "Version": "0.7.4", "Leader": true, "LastContact": "0s", "LastTerm": 2, "LastIndex": 46, "Healthy": true, "Voter": true,
                  "StableSince": "2017-03-06T22:07:51Z" },
                { "ID": "e36ee410-cc3c-0a0c-c724-63817ab30303", "Name": "node2", "Address": "127.0.0.1:8205", "SerfStatus": "alive",
                  "Version": "0.7.4", "Leader": false, "LastContact": "27.291304ms", "LastTerm": 2, "LastIndex": 46, "Healthy": true, "Voter": false,
                  "StableSince": "2017-03-06T22:18:26Z" }
              ]
            }
            """);

        var health = Evaluate(primary, Report(1));

        var checks = Checks(health);
        Assert.Equal([Named("failure-tolerance", Primary), Named("voters", Primary)], health.Failing.Select(c => c.Name).Order());
        Assert.Equal("1 of 3 servers are healthy voters; not a healthy voter: node2; 1 missing from the raft configuration", checks[Named("voters", Primary)].Detail);
        Assert.Equal(new ServerHealth("node1", "127.0.0.1:8300", true, true, true, "0.7.4"), health.Datacenters[0].Servers[0]);
    }

    /// <summary>A call the script could not make is null with an "errors" entry: the checks that need it say why they cannot pass.</summary>
    [Fact]
    public void Evaluate_AutopilotUnavailable_VotersAndToleranceNameTheError()
    {
        var primary = Report(0, Servers(0, ConsulFault.NoLeader));

        var checks = Checks(Evaluate(primary, Report(1)));

        var voters = checks[Named("voters", Primary)];
        Assert.False(voters.Passed);
        Assert.Equal($"autopilot health of {Primary} could not be read: GET /v1/operator/autopilot/health answered HTTP 500: No cluster leader", voters.Detail);
        Assert.Equal(voters.Detail, checks[Named("failure-tolerance", Primary)].Detail);
    }

    [Fact]
    public void Evaluate_LeaderCallFailed_SaysTheLeaderCouldNotBeReadNotThatThereIsNone()
    {
        var primary = Report(0);
        primary["leader"] = null;
        primary["errors"]!.AsArray().Add("GET /v1/status/leader failed: curl: (7) Failed to connect to 127.0.0.1 port 8501: Connection refused");

        var check = Checks(Evaluate(primary, Report(1)))[Named("leader", Primary)];

        Assert.False(check.Passed);
        Assert.Equal($"the leader of {Primary} could not be read: GET /v1/status/leader failed: curl: (7) Failed to connect to 127.0.0.1 port 8501: Connection refused", check.Detail);
    }

    /// <summary>The reports come from remote machines: a value of the wrong JSON type fails its check, it never throws.</summary>
    [Theory]
    [InlineData("leader", "42")]
    [InlineData("autopilot", """{"FailureTolerance": "1", "Servers": [{"Name": 7, "Voter": "yes"}]}""")]
    [InlineData("dns", """{"name": "x", "answers": [1, null]}""")]
    [InlineData("dns", "\"consul.service.consul\"")]
    [InlineData("wanMembers", """[{"Status": "1", "Tags": []}]""")]
    public void Evaluate_ValueOfTheWrongType_FailsItsCheckInsteadOfThrowing(string key, string json)
    {
        JsonObject[] reports = [Report(0), Report(1)];
        foreach (var report in reports) report[key] = JsonNode.Parse(json);

        var health = Evaluate(reports[0], reports[1]);

        Assert.Equal(HealthStatus.Degraded, health.Status);
    }

    [Fact]
    public void Evaluate_ReplicationMalformed_FailsInsteadOfThrowing()
    {
        var secondary = Report(1);
        secondary["aclReplication"] = JsonNode.Parse("""{"Enabled": "true", "Running": 1, "LastSuccess": 5}""");

        Assert.False(Checks(Evaluate(Report(0), secondary))[ConsulHealthEvaluator.AclReplicationCheck].Passed);
    }

    [Fact]
    public void Evaluate_DatacenterUnreachable_FailsItsChecksWithTheReasonAndJudgesTheWanFromTheOther()
    {
        var health = ConsulHealthEvaluator.Evaluate(Spec,
            [new DatacenterProbe(Primary, "i-1", Report(0)), DatacenterProbe.Unreachable(Secondary, "no server is online")], Now);

        var secondary = health.Datacenters[1];
        Assert.False(secondary.Reachable);
        Assert.Equal("no server is online", secondary.Error);
        Assert.All(health.Checks.Where(c => c.Name.EndsWith("/" + Secondary, StringComparison.Ordinal)),
            c => Assert.Equal($"{Secondary} did not answer: no server is online", c.Detail));
        Assert.True(Checks(health)["wan-members"].Passed);
        Assert.Equal($"{Secondary} did not report its ACL replication", Checks(health)["acl-replication"].Detail);
    }

    [Fact]
    public void Evaluate_WanMemberFailed_CountsOnlyAliveServers()
    {
        var down = Servers(1, ConsulFault.WanMemberDown);

        var health = Evaluate(Report(0, other: down), Report(1, down));

        Assert.Equal(new WanMembership(5, 6), health.WanMembers);
        Assert.Equal("5 of 6 servers are alive in the WAN pool: the datacenters cannot all reach each other", Checks(health)["wan-members"].Detail);
    }

    [Fact]
    public void Evaluate_DnsFails_NamesTheResolversError()
    {
        var check = Checks(Evaluate(Report(0, Servers(0, ConsulFault.DnsFails)), Report(1)))[Named("dns", Primary)];

        Assert.False(check.Passed);
        Assert.Equal($"consul.service.{Primary}.consul does not resolve through the system resolver: " +
                     $"getent ahostsv4 consul.service.{Primary}.consul: the name does not resolve (exit status 2)", check.Detail);
    }
}
