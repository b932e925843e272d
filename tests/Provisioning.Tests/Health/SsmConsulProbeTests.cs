using FakeSsm;
using Provisioning.Clusters;
using Provisioning.Consul;
using Provisioning.Health;
using Provisioning.Tests.Support;
using Provisioning.Topology;
using Provisioning.Pulumi;

namespace Provisioning.Tests.Health;

/// <summary>
/// The Pulumi engine's health probe with the real <c>AmazonSimpleSystemsManagementClient</c>, pointed at the SSM
/// stand-in, whose servers answer in Consul's documented shapes; the probes are judged by the real evaluator.
/// </summary>
public sealed class SsmConsulProbeTests : IAsyncLifetime
{
    private static readonly ClusterSpec Spec = TestSpecs.Spec();
    private static readonly string Primary = Spec.AvailabilityZones[0], Secondary = Spec.AvailabilityZones[1];

    private FakeSsmServer _ssm = null!;
    private readonly LogCapture _logs = new();
    private SsmConsulProbe _probe = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _ssm = await FakeSsmServer.StartAsync(Token);
        _probe = FakeSsmProbes.Probe(_ssm.Url, _logs);
    }

    public async ValueTask DisposeAsync()
    {
        _probe.Dispose();
        await _ssm.DisposeAsync();
    }

    private FakeDatacenter Datacenter(int zone, ClusterSpec? spec = null) => _ssm.Datacenter(ClusterNames.JoinTag(spec ?? Spec, zone));

    private async Task<ClusterHealth> CheckAsync(ClusterSpec? spec = null, IReadOnlyList<string>? secrets = null)
    {
        spec ??= Spec;
        var probes = await _probe.ProbeAsync(spec, secrets ?? [], Token);
        return ConsulHealthEvaluator.Evaluate(spec, probes, DateTimeOffset.UtcNow);
    }

    private static IEnumerable<string> Failing(ClusterHealth health) => health.Failing.Select(c => c.Name).Order();

    [Fact]
    public async Task ProbeAsync_HealthyCluster_IsHealthyWithBothDatacentersTheirLeadersAndServers()
    {
        var health = await CheckAsync();

        Assert.True(health.Status == HealthStatus.Healthy, string.Join("\n", health.Failing.Select(c => $"{c.Name}: {c.Detail}")));
        Assert.Equal([Primary, Secondary], health.Datacenters.Select(d => d.Name));
        foreach (var (datacenter, zone) in health.Datacenters.Select((d, z) => (d, z)))
        {
            var servers = Datacenter(zone);
            Assert.True(datacenter.Reachable);
            Assert.Equal($"{servers.Address(0)}:8300", datacenter.Leader);
            Assert.Equal(1, datacenter.FailureTolerance);
            Assert.Equal(servers.InstanceIds, datacenter.Servers.Select(s => s.Node));
            Assert.All(datacenter.Servers, s => Assert.True(s.Voter && s.Healthy));
            Assert.Equal(servers.InstanceId(0), Assert.Single(datacenter.Servers, s => s.Leader).Node);
            Assert.Equal(servers.InstanceId(0), datacenter.ProbedInstance);
        }
        Assert.Equal(new WanMembership(6, 6), health.WanMembers);
    }

    [Theory]
    [InlineData(ConsulFault.MissingVoter, ConsulHealthEvaluator.VotersCheck, 0)]
    [InlineData(ConsulFault.NoFailureTolerance, ConsulHealthEvaluator.FailureToleranceCheck, 0)]
    [InlineData(ConsulFault.DnsFails, ConsulHealthEvaluator.DnsCheck, 1)]
    [InlineData(ConsulFault.WanMemberDown, ConsulHealthEvaluator.WanMembersCheck, 1)]
    [InlineData(ConsulFault.ReplicationStopped, ConsulHealthEvaluator.AclReplicationCheck, 1)]
    public async Task ProbeAsync_OneCheckFails_IsDegradedNamingExactlyThatCheck(ConsulFault fault, string check, int zone)
    {
        // Five servers: with three, a non-voter would also leave no failure tolerance, as autopilot computes it.
        var spec = TestSpecs.Spec(servers: 5);
        _ssm.Ssm.DefaultServers = 5;
        Datacenter(zone, spec).Faults.Add(fault);

        var health = await CheckAsync(spec);

        Assert.Equal(HealthStatus.Degraded, health.Status);
        var expected = check is ConsulHealthEvaluator.WanMembersCheck or ConsulHealthEvaluator.AclReplicationCheck
            ? check
            : ConsulHealthEvaluator.Named(check, spec.AvailabilityZones[zone]);
        Assert.Equal([expected], Failing(health));
    }

    /// <summary>Without a leader Consul cannot answer autopilot either: voters and tolerance fail for that reason, and say so.</summary>
    [Fact]
    public async Task ProbeAsync_NoLeader_IsDegradedNamingTheLeaderAndWhyAutopilotIsSilent()
    {
        Datacenter(0).Faults.Add(ConsulFault.NoLeader);

        var health = await CheckAsync();

        Assert.Equal(HealthStatus.Degraded, health.Status);
        Assert.Equal(
            [ConsulHealthEvaluator.Named(ConsulHealthEvaluator.FailureToleranceCheck, Primary), ConsulHealthEvaluator.Named(ConsulHealthEvaluator.LeaderCheck, Primary),
             ConsulHealthEvaluator.Named(ConsulHealthEvaluator.VotersCheck, Primary)],
            Failing(health));
        var checks = health.Checks.ToDictionary(c => c.Name);
        Assert.Contains("has no leader", checks[ConsulHealthEvaluator.Named(ConsulHealthEvaluator.LeaderCheck, Primary)].Detail);
        Assert.Contains("No cluster leader", checks[ConsulHealthEvaluator.Named(ConsulHealthEvaluator.VotersCheck, Primary)].Detail);
        Assert.Null(health.Datacenters[0].Leader);
        Assert.True(health.Datacenters[0].Reachable);
    }

    [Fact]
    public async Task ProbeAsync_NoServerOnline_ReportsThatDatacenterUnreachable()
    {
        Datacenter(1).Online = false;

        var health = await CheckAsync();

        Assert.Equal(HealthStatus.Degraded, health.Status);
        var secondary = health.Datacenters[1];
        Assert.False(secondary.Reachable);
        Assert.Contains($"no server of {Secondary} is online in Systems Manager", secondary.Error);
        Assert.Contains(ClusterNames.JoinTag(Spec, 1), secondary.Error);
        Assert.True(health.Datacenters[0].Reachable);
        Assert.DoesNotContain(_ssm.Requests, r => r.Action == "SendCommand" && r.Body.Contains(Datacenter(1).InstanceId(0)));
    }

    [Fact]
    public async Task ProbeAsync_CommandFailsOnTheFirstServer_UsesTheSecond()
    {
        Datacenter(0).FailingServers = 1;

        var health = await CheckAsync();

        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.Equal(Datacenter(0).InstanceId(1), health.Datacenters[0].ProbedInstance);
        Assert.Contains(_logs.Lines, l => l.Contains(Datacenter(0).InstanceId(0)) && l.Contains("No space left on device"));
    }

    /// <summary>Systems Manager lists a just-terminated instance as online for a while; SendCommand then refuses it.</summary>
    [Fact]
    public async Task ProbeAsync_FirstServerJustTerminated_UsesTheSecond()
    {
        Datacenter(1).TerminatedServers = 1;

        var health = await CheckAsync();

        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.Equal(Datacenter(1).InstanceId(1), health.Datacenters[1].ProbedInstance);
    }

    [Fact]
    public async Task ProbeAsync_CommandFailsOnEveryServer_ReportsUnreachableWithEachServersReason()
    {
        Datacenter(1).FailingServers = 3;

        var health = await CheckAsync();

        var secondary = health.Datacenters[1];
        Assert.False(secondary.Reachable);
        Assert.Contains($"no server of {Secondary} could run the health check", secondary.Error);
        Assert.All(Datacenter(1).InstanceIds, id => Assert.Contains($"{id}: the command ended Failed (Failed, exit code 1): ", secondary.Error));
        Assert.Contains("No space left on device", secondary.Error);
    }

    [Fact]
    public async Task ProbeAsync_InvocationInvisibleThenPendingForSomePolls_PollsItToCompletion()
    {
        Datacenter(0).InvisiblePolls = 2;
        Datacenter(0).PendingPolls = 4;

        var health = await CheckAsync();

        Assert.Equal(HealthStatus.Healthy, health.Status);
        var polls = _ssm.Requests.Count(r => r.Action == "GetCommandInvocation" && r.Body.Contains(Datacenter(0).InstanceId(0)));
        Assert.Equal(2 + 4 + 1, polls);
    }

    [Fact]
    public async Task ProbeAsync_CommandNeverFinishes_GivesUpAfterTheCommandTimeoutAndTriesTheNextServer()
    {
        Datacenter(0).PendingPolls = int.MaxValue;

        var health = await CheckAsync();

        var primary = health.Datacenters[0];
        Assert.False(primary.Reachable);
        Assert.Contains("the command did not finish within 30 s (last status: InProgress)", primary.Error);
        Assert.All(Datacenter(0).InstanceIds, id => Assert.Single(_ssm.Requests, r => r.Action == "SendCommand" && r.Body.Contains(id)));
    }

    [Fact]
    public async Task ProbeAsync_Always_SendsTheScriptOfEachDatacenterToOneOfItsServersOnly()
    {
        await CheckAsync();

        var sends = _ssm.Requests.Where(r => r.Action == "SendCommand").ToList();
        Assert.Equal(2, sends.Count);
        foreach (var (zone, send) in new[] { (0, sends.Single(s => s.Body.Contains(Datacenter(0).InstanceId(0)))), (1, sends.Single(s => s.Body.Contains(Datacenter(1).InstanceId(0)))) })
        {
            var request = System.Text.Json.Nodes.JsonNode.Parse(send.Body)!;
            Assert.Equal(SsmConsulProbe.Document, (string?)request["DocumentName"]);
            Assert.Equal([Datacenter(zone).InstanceId(0)], request["InstanceIds"]!.AsArray().Select(i => (string?)i));
            Assert.Equal(ConsulProbeScript.Render(Spec, zone), (string?)request["Parameters"]!["commands"]![0]);
            Assert.Equal(30, (int)request["TimeoutSeconds"]!);
            Assert.Contains(Spec.Name, (string?)request["Comment"]);
            Assert.Contains(ConsulAgentConfigs.Datacenter(Spec, zone), (string?)request["Comment"]);
        }
        var describe = _ssm.Requests.First(r => r.Action == "DescribeInstanceInformation");
        Assert.Contains($"\"tag:{ClusterNames.JoinTagKey}\"", describe.Body);
        Assert.Contains("\"PingStatus\"", describe.Body);
        // Signed for the cluster's own region.
        Assert.All(_ssm.Requests, r => Assert.Contains($"/{Spec.Region}/ssm/aws4_request", r.Headers["Authorization"]));
    }

    [Fact]
    public async Task ProbeAsync_WithTheClustersSecrets_SendsNoneOfThemInAnyRequest()
    {
        var secrets = TestSpecs.Secrets();
        string[] confidential = [FakePulumiSandbox.Passphrase, .. secrets.Confidential];

        await CheckAsync(secrets: confidential);

        Assert.NotEmpty(_ssm.Requests);
        foreach (var request in _ssm.Requests)
        {
            var text = request.ToString();
            Assert.All(confidential, secret => Assert.DoesNotContain(secret, text));
        }
    }

    [Fact]
    public async Task ProbeAsync_ScriptWouldCarryASecret_SendsNothing()
    {
        // The script names the health token's parameter; pretend that name were secret.
        var health = await CheckAsync(secrets: [ClusterParameters.HealthToken.Name(Spec)]);

        Assert.DoesNotContain(_ssm.Requests, r => r.Action == "SendCommand");
        Assert.All(health.Datacenters, d => Assert.Contains("would carry a secret", d.Error));
    }

    [Fact]
    public async Task ProbeAsync_AwsProfileMissing_ReportsUnreachableNamingTheSetting()
    {
        using var probe = new SsmConsulProbe(FakeSsmProbes.Options(_ssm.Url), "portal-no-such-profile", new AcceleratedTime(10), _logs.For<SsmConsulProbe>());

        var probes = await probe.ProbeAsync(Spec, [], Token);

        Assert.All(probes, p => Assert.Contains("the AWS profile 'portal-no-such-profile' (Provisioning:Pulumi:AwsProfile)", p.Error));
        Assert.Empty(_ssm.Requests);
    }

    [Fact]
    public void Options_Defaults_AreValidForSystemsManager()
    {
        var options = new SsmProbeOptions();

        Assert.Empty(options.Problems());
        Assert.Equal(TimeSpan.FromSeconds(60), options.CommandTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), options.PollInterval);
        Assert.Null(options.ServiceUrl);
    }

    [Fact]
    public async Task ProbeAsync_SystemsManagerUnreachable_ReportsBothDatacentersUnreachable()
    {
        using var probe = FakeSsmProbes.Probe(new Uri("http://127.0.0.1:9/"), _logs);

        var probes = await probe.ProbeAsync(Spec, [], Token);

        Assert.All(probes, p => Assert.Contains("Systems Manager could not be reached", p.Error));
    }
}
