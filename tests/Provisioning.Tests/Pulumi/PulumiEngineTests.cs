using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using FakeSsm;
using Provisioning.Clusters;
using Provisioning.Engines;
using Provisioning.Health;
using Provisioning.Pulumi;
using Provisioning.Security;
using Provisioning.Tests.Support;
using Provisioning.Topology;

namespace Provisioning.Tests.Pulumi;

/// <summary>What only the Pulumi engine does: signals, locks, secrets, the CLI check. Runs the fake CLI.</summary>
public sealed class PulumiEngineTests : IDisposable
{
    private static readonly ClusterSecrets Secrets = TestSpecs.Secrets();
    private readonly FakePulumiSandbox _sandbox = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static DeploymentContext Context(string stack, bool resumed = false) => new(stack, resumed, Secrets);

    [Fact]
    public async Task UpAsync_Cancelled_SendsSigintAndTheCliStopsCleanlyBetweenSteps()
    {
        var plan = Plans.Build();
        var signals = Path.Combine(_sandbox.Root, "signals.log");
        var engine = _sandbox.Engine(new Dictionary<string, string>
        {
            ["FAKE_PULUMI_STEP_DELAY_MS"] = "300",
            ["FAKE_PULUMI_SIGNAL_LOG"] = signals,
        });
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var sink = RecordingSink.CancellingAfter(2, cancellation);

        var result = await engine.UpAsync(plan, Context("sigint"), sink, cancellation.Token);

        Assert.Equal(DeploymentOutcome.Cancelled, result.Outcome);
        // The CLI stopped on the SIGINT: it was not killed after the cancel timeout (the log says which, not a stopwatch).
        Assert.Contains(_sandbox.Logs.Lines, line => line.Contains("was cancelled (SIGINT)", StringComparison.Ordinal));
        Assert.DoesNotContain(_sandbox.Logs.Lines, line => line.Contains("killed after the timeout", StringComparison.Ordinal));
        Assert.StartsWith("SIGINT", File.ReadAllText(signals));
        // The step in flight finished and nothing new started: no resource is left half-done.
        Assert.Equal(sink.Names(EngineEventType.ResourceStarted).Order(), sink.Names(EngineEventType.ResourceSucceeded).Order());
        Assert.InRange(sink.Names(EngineEventType.ResourceSucceeded).Count, 2, 4);
        Assert.Contains(sink.Events, e => e.Type == EngineEventType.Summary);
        var state = JsonNode.Parse(File.ReadAllText(_sandbox.StateFile("sigint")!))!;
        Assert.Empty(state["pendingCreates"]!.AsArray());
        Assert.False(Directory.Exists(_sandbox.LockFolder(PulumiProgramWriter.ProjectName(plan), "sigint")) && Directory.EnumerateFiles(_sandbox.LockFolder(PulumiProgramWriter.ProjectName(plan), "sigint")).Any());
    }

    [Fact]
    public async Task UpAsync_CliIgnoresSigint_IsKilledAfterTheCancelTimeout()
    {
        var plan = Plans.Build();
        var signals = Path.Combine(_sandbox.Root, "signals.log");
        var options = _sandbox.Options(new Dictionary<string, string>
        {
            ["FAKE_PULUMI_STEP_DELAY_MS"] = "400",
            ["FAKE_PULUMI_SIGNAL_LOG"] = signals,
            ["FAKE_PULUMI_IGNORE_SIGINT"] = "true",
        });
        options.CancelTimeout = TimeSpan.FromSeconds(1);
        var engine = _sandbox.Engine(options);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var sink = RecordingSink.CancellingAfter(1, cancellation);

        var result = await engine.UpAsync(plan, Context("hung"), sink, cancellation.Token);

        Assert.Equal(DeploymentOutcome.Cancelled, result.Outcome);
        Assert.StartsWith("SIGINT", File.ReadAllText(signals));
        // Killed mid-step: what a kill leaves behind, and why SIGINT comes first.
        Assert.NotEmpty(JsonNode.Parse(File.ReadAllText(_sandbox.StateFile("hung")!))!["pendingCreates"]!.AsArray());
        Assert.Single(Directory.GetFiles(_sandbox.LockFolder(PulumiProgramWriter.ProjectName(plan), "hung")));
    }

    [Fact]
    public async Task UpAsync_LockHeldByALiveProcess_FailsAsConcurrentUpdateAndKeepsTheLock()
    {
        var plan = Plans.Build();
        var engine = _sandbox.Engine();
        Assert.Equal(DeploymentOutcome.Succeeded, (await engine.UpAsync(plan, Context("locked"), new RecordingSink(), Token)).Outcome);
        var lockFile = WriteLock(PulumiProgramWriter.ProjectName(plan), "locked", Environment.ProcessId, Dns.GetHostName());

        var result = await engine.UpAsync(plan, Context("locked"), new RecordingSink(), Token);

        Assert.Equal(DeploymentOutcome.Failed, result.Outcome);
        Assert.Contains("concurrent update", result.Error);
        Assert.Contains($"process {Environment.ProcessId}", result.Error);
        Assert.True(File.Exists(lockFile));
    }

    [Fact]
    public async Task UpAsync_LockHeldOnAnotherHost_IsNeverCancelled()
    {
        var plan = Plans.Build();
        var engine = _sandbox.Engine();
        Assert.Equal(DeploymentOutcome.Succeeded, (await engine.UpAsync(plan, Context("remote"), new RecordingSink(), Token)).Outcome);
        var lockFile = WriteLock(PulumiProgramWriter.ProjectName(plan), "remote", DeadPid(), "portal-replica-2.internal");

        var result = await engine.UpAsync(plan, Context("remote"), new RecordingSink(), Token);

        Assert.Equal(DeploymentOutcome.Failed, result.Outcome);
        Assert.Contains("concurrent update", result.Error);
        Assert.True(File.Exists(lockFile));
    }

    [Fact]
    public async Task UpAsync_LockOfADeadProcessOnThisHost_IsCancelledAndTheUpRuns()
    {
        var plan = Plans.Build();
        var engine = _sandbox.Engine();
        Assert.Equal(DeploymentOutcome.Succeeded, (await engine.UpAsync(plan, Context("stale"), new RecordingSink(), Token)).Outcome);
        var lockFile = WriteLock(PulumiProgramWriter.ProjectName(plan), "stale", DeadPid(), Dns.GetHostName());
        var sink = new RecordingSink();

        var result = await engine.UpAsync(plan, Context("stale"), sink, Token);

        Assert.Equal(DeploymentOutcome.Succeeded, result.Outcome);
        Assert.False(File.Exists(lockFile));
        Assert.Contains(sink.Events, e => e.Type == EngineEventType.Diagnostic && e.Message.Contains("stale lock"));
        Assert.Equal(plan.Resources.Count, sink.Names(EngineEventType.ResourceSucceeded, "same").Count);
    }

    [Fact]
    public async Task UpAsync_Resumed_SaysSoAndClearsPendingOperationsFirst()
    {
        var plan = Plans.Build();
        var crash = _sandbox.Engine(new Dictionary<string, string> { ["FAKE_PULUMI_CRASH_AFTER"] = "2" });
        var crashed = await crash.UpAsync(plan, Context("resume"), new RecordingSink(), Token);
        Assert.Equal(DeploymentOutcome.Failed, crashed.Outcome);
        var sink = new RecordingSink();

        var result = await _sandbox.Engine().UpAsync(plan, Context("resume", resumed: true), sink, Token);

        Assert.Equal(DeploymentOutcome.Succeeded, result.Outcome);
        var resuming = sink.Events.ToList().FindIndex(e => e.Type == EngineEventType.Diagnostic && e.Message.Contains("Resuming up"));
        var refreshed = sink.Events.ToList().FindIndex(e => e.Resource?.Op == "refresh");
        var created = sink.Events.ToList().FindIndex(e => e.Resource?.Op == "create");
        Assert.True(resuming >= 0 && resuming < refreshed && refreshed < created, "expected: resume notice, refresh, then the up");
        Assert.Contains(sink.Events, e => e.Message.Contains("pending create"));
    }

    [Fact]
    public async Task UpAsync_PendingOperationsWithoutResume_FailsWithTheCliExplanation()
    {
        var plan = Plans.Build();
        await _sandbox.Engine(new Dictionary<string, string> { ["FAKE_PULUMI_CRASH_AFTER"] = "1" }).UpAsync(plan, Context("pending"), new RecordingSink(), Token);
        var stale = Directory.GetFiles(_sandbox.LockFolder(PulumiProgramWriter.ProjectName(plan), "pending"));
        Assert.Single(stale);

        var result = await _sandbox.Engine().UpAsync(plan, Context("pending"), new RecordingSink(), Token);

        // The dead CLI's lock was cleared; the pending create still needs a resumed run.
        Assert.Equal(DeploymentOutcome.Failed, result.Outcome);
        Assert.Contains("pending operations", result.Error);
    }

    [Fact]
    public async Task Operations_AnyOutcome_NeverRevealThePassphraseOrAnyClusterSecret()
    {
        var plan = Plans.Build();
        var failing = _sandbox.Engine(new Dictionary<string, string> { ["FAKE_PULUMI_FAIL_RESOURCE"] = "serverGroupA" });
        var engine = _sandbox.Engine();
        var sink = new RecordingSink();
        var results = new List<DeploymentResult>
        {
            await failing.UpAsync(plan, Context("secrets"), sink, Token),
            await engine.UpAsync(plan, Context("secrets"), sink, Token),
            await engine.PreviewAsync(plan, Context("secrets"), sink, Token),
            await engine.RefreshAsync(plan, Context("secrets", resumed: true), sink, Token),
            await engine.DestroyAsync(plan, Context("secrets"), sink, Token),
        };

        Assert.Equal([DeploymentOutcome.Failed, DeploymentOutcome.Succeeded, DeploymentOutcome.Succeeded, DeploymentOutcome.Succeeded, DeploymentOutcome.Succeeded],
            results.Select(r => r.Outcome));
        Assert.NotEmpty(_sandbox.Logs.Lines);
        var texts = sink.Events.Select(e => e.Message)
            .Concat(_sandbox.Logs.Lines)
            .Concat(results.Select(r => r.Error ?? ""))
            .Concat(results.Select(r => r.Outputs?.ToJsonString() ?? ""));
        foreach (var text in texts)
        {
            Assert.DoesNotContain(FakePulumiSandbox.Passphrase, text);
            Assert.All(Secrets.Confidential, secret => Assert.DoesNotContain(secret, text));
        }
    }

    [Fact]
    public async Task PreviewAsync_NewStack_ReportsPlannedCreatesAndCreatesNothing()
    {
        var plan = Plans.Build();
        var sink = new RecordingSink();

        var result = await _sandbox.Engine().PreviewAsync(plan, Context("preview"), sink, Token);

        Assert.Equal(DeploymentOutcome.Succeeded, result.Outcome);
        Assert.Equal(plan.Resources.Count, sink.Events.Count(e => e.Message.StartsWith("Would create", StringComparison.Ordinal)));
        Assert.DoesNotContain(sink.Events, e => e.Type is EngineEventType.ResourceStarted or EngineEventType.ResourceSucceeded);
        Assert.Empty(JsonNode.Parse(File.ReadAllText(_sandbox.StateFile("preview")!))!["resources"]!.AsArray());
    }

    [Fact]
    public async Task UpAsync_SecondUp_CreatesNothingAndKeepsTheOutputs()
    {
        var plan = Plans.Build();
        var engine = _sandbox.Engine();
        var first = await engine.UpAsync(plan, Context("again"), new RecordingSink(), Token);
        var sink = new RecordingSink();

        var second = await engine.UpAsync(plan, Context("again"), sink, Token);

        Assert.Equal(DeploymentOutcome.Succeeded, second.Outcome);
        Assert.Empty(sink.Names(EngineEventType.ResourceSucceeded, "create"));
        Assert.Equal(first.Outputs!["vpcId"]!.GetValue<string>(), second.Outputs!["vpcId"]!.GetValue<string>());
    }

    [Fact]
    public async Task DestroyAsync_AfterUp_RemovesTheStackAndItsWorkDirectory()
    {
        var plan = Plans.Build();
        var engine = _sandbox.Engine();
        await engine.UpAsync(plan, Context("gone"), new RecordingSink(), Token);
        Assert.NotNull(_sandbox.StateFile("gone"));

        var result = await engine.DestroyAsync(plan, Context("gone"), new RecordingSink(), Token);

        Assert.Equal(DeploymentOutcome.Succeeded, result.Outcome);
        Assert.Null(_sandbox.StateFile("gone"));
        Assert.False(Directory.Exists(Path.Combine(_sandbox.Options().WorkRoot, "gone")));
    }

    [Fact]
    public async Task CheckAsync_InstallPlugins_InstallsTheAwsPlugin()
    {
        var options = _sandbox.Options();
        options.InstallPlugins = true;

        var check = await _sandbox.Cli(options).CheckAsync(Token);

        Assert.True(check.Ok, check.Problem);
        Assert.Contains(_sandbox.Logs.Lines, l => l.Contains("plugin install resource aws 7.0.0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CheckAsync_FakeCli_ReportsItsVersion()
    {
        var check = await _sandbox.Cli(_sandbox.Options()).CheckAsync(Token);

        Assert.True(check.Ok, check.Problem);
        Assert.Equal("v3.190.0", check.Version);
    }

    [Fact]
    public async Task CheckAsync_OldCli_SaysTheVersionIsBelowTheMinimum()
    {
        var options = _sandbox.Options(new Dictionary<string, string> { ["FAKE_PULUMI_VERSION"] = "v3.0.9" });

        var check = await _sandbox.Cli(options).CheckAsync(Token);

        Assert.False(check.Ok);
        Assert.Contains("3.0.9, below the minimum 3.1.0", check.Problem);
    }

    [Fact]
    public async Task CheckAsync_MissingCli_SaysWhereItLookedAndHowToFixIt()
    {
        var options = _sandbox.Options();
        options.CliPath = Path.Combine(_sandbox.Root, "no-such-pulumi");

        var check = await _sandbox.Cli(options).CheckAsync(Token);

        Assert.False(check.Ok);
        Assert.Contains($"not found at '{options.CliPath}'", check.Problem);
        Assert.Contains("Provisioning:Pulumi:CliPath", check.Problem);
    }

    [Fact]
    public async Task CheckAsync_NoPassphrase_NamesTheMissingSetting()
    {
        var options = _sandbox.Options();
        options.Passphrase = "";

        var check = await _sandbox.Cli(options).CheckAsync(Token);

        Assert.False(check.Ok);
        Assert.Contains("Provisioning:Pulumi:Passphrase", check.Problem);
    }

    [Fact]
    public async Task ReadinessProblemAsync_CliMissing_ReportsTheCliCheck()
    {
        var options = _sandbox.Options();
        options.CliPath = Path.Combine(_sandbox.Root, "no-such-pulumi");

        var problem = await _sandbox.Engine(options).ReadinessProblemAsync(Token);

        Assert.NotNull(problem);
        Assert.Equal((await _sandbox.Cli(options).CheckAsync(Token)).Problem, problem);
    }

    [Fact]
    public async Task ReadinessProblemAsync_AskedAgainWithinAMinute_ReusesTheAnswerInsteadOfStartingTheCli()
    {
        var options = _sandbox.Options();
        options.CliPath = Path.Combine(_sandbox.Root, "no-such-pulumi");
        var time = new ManualTime();
        var readiness = new PulumiReadiness(_sandbox.Cli(options), time);
        var problem = await readiness.ProblemAsync(Token);
        Assert.NotNull(problem);

        options.CliPath = FakePulumiSandbox.CliPath; // the CLI is installed meanwhile
        time.Now += TimeSpan.FromSeconds(59);
        Assert.Equal(problem, await readiness.ProblemAsync(Token));
        time.Now += TimeSpan.FromSeconds(2);
        Assert.Null(await readiness.ProblemAsync(Token));
    }

    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void ZoneOutageDrill_PulumiEngine_IsNone()
    {
        Assert.Null(_sandbox.Engine().ZoneOutageDrill);
    }

    /// <summary>Consul's health, asked on the servers through Systems Manager (the stand-in), judged by the evaluator.</summary>
    [Fact]
    public async Task CheckHealthAsync_ThroughSystemsManager_ReportsConsulsHealthAndSendsNoSecret()
    {
        var plan = Plans.Build();
        await using var ssm = await FakeSsmServer.StartAsync(Token);
        var secondary = plan.Spec.AvailabilityZones[1];
        ssm.Datacenter(ClusterNames.JoinTag(plan.Spec, 1)).Faults.Add(ConsulFault.DnsFails);
        var engine = _sandbox.Engine(ssm: ssm.Url);

        var health = await engine.CheckHealthAsync(plan, Context("health"), Token);

        Assert.Equal(HealthStatus.Degraded, health.Status);
        Assert.Equal([ConsulHealthEvaluator.Named(ConsulHealthEvaluator.DnsCheck, secondary)], health.Failing.Select(c => c.Name));
        Assert.All(health.Datacenters, d => Assert.NotNull(d.Leader));
        Assert.Contains(ssm.Requests, r => r.Action == "SendCommand");
        string[] secrets = [FakePulumiSandbox.Passphrase, .. Secrets.Confidential];
        Assert.All(ssm.Requests, r => Assert.All(secrets, secret => Assert.DoesNotContain(secret, r.ToString())));
        Assert.All(_sandbox.Logs.Lines, line => Assert.All(secrets, secret => Assert.DoesNotContain(secret, line)));
    }

    private string WriteLock(string project, string stack, int pid, string host)
    {
        var folder = _sandbox.LockFolder(project, stack);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, Guid.NewGuid() + ".json");
        File.WriteAllText(path, new JsonObject { ["pid"] = pid, ["username"] = "portal", ["hostname"] = host, ["timestamp"] = "2026-11-25T10:00:00Z" }.ToJsonString());
        return path;
    }

    /// <summary>The pid of a process that has exited (a pid reused this quickly is vanishingly unlikely).</summary>
    private static int DeadPid()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }

    public void Dispose() => _sandbox.Dispose();
}
