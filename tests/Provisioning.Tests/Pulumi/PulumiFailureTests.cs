using Provisioning.Pulumi;

namespace Provisioning.Tests.Pulumi;

public class PulumiFailureTests
{
    private static CliResult Failed(string stderr, int exitCode = 255) => new(exitCode, "", stderr, Cancelled: false);

    [Theory]
    [InlineData("error: no stack named 'alpha' found", PulumiFailureKind.StackNotFound)]
    [InlineData("error: stack 'alpha' already exists", PulumiFailureKind.StackAlreadyExists)]
    [InlineData("error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.", PulumiFailureKind.ConcurrentUpdate)]
    [InlineData("error: [409] Conflict: Another update is currently in progress.", PulumiFailureKind.ConcurrentUpdate)]
    [InlineData("error: getting secrets manager: passphrase must be set with PULUMI_CONFIG_PASSPHRASE", PulumiFailureKind.Other)]
    public void Classify_Stderr_NamesTheReasonWhateverTheExitCode(string stderr, PulumiFailureKind kind)
    {
        foreach (var exitCode in new[] { 255, 1, 6 })
            Assert.Equal(kind, PulumiFailure.Classify("up", Failed(stderr, exitCode), null).Kind);
    }

    [Fact]
    public void Classify_ConcurrentUpdate_SaysSoAndKeepsTheCliLine()
    {
        var failure = PulumiFailure.Classify("up", Failed("error: the stack is currently locked by 1 lock(s).\n  file:///x.json"), null);

        Assert.StartsWith("Another update of this stack is in progress (concurrent update): error: the stack is currently locked", failure.Message);
    }

    [Fact]
    public void Classify_ResourceFailure_LeadsWithTheResourceAndItsAwsError()
    {
        var events = new PulumiEventMapper();
        events.Map("""{"sequence":1,"timestamp":1,"diagnosticEvent":{"urn":"urn:pulumi:dev::alpha::aws:ec2/vpc:Vpc::vpc","message":"error: api error VpcLimitExceeded: The maximum number of VPCs has been reached.","color":"raw","severity":"error"}}""");
        events.Map("""{"sequence":2,"timestamp":1,"summaryEvent":{"maybeCorrupt":false,"durationSeconds":3,"resourceChanges":{},"PolicyPacks":{},"result":"failed"}}""");

        var failure = PulumiFailure.Classify("up", Failed("error: update failed"), events);

        Assert.Equal(PulumiFailureKind.ResourceFailed, failure.Kind);
        Assert.Equal("vpc: api error VpcLimitExceeded: The maximum number of VPCs has been reached.", failure.Message);
        Assert.Equal(["vpc"], failure.FailedResources);
    }

    [Fact]
    public void Classify_SucceededSummaryWithExitCodeZero_IsNoFailure()
    {
        var events = new PulumiEventMapper();
        events.Map("""{"sequence":1,"timestamp":1,"summaryEvent":{"maybeCorrupt":false,"durationSeconds":3,"resourceChanges":{"same":4},"PolicyPacks":{},"result":"succeeded"}}""");
        events.Map("""{"sequence":2,"timestamp":1,"cancelEvent":{}}""");

        Assert.Equal(PulumiFailureKind.None, PulumiFailure.Classify("up", new(0, "", "", false), events).Kind);
        Assert.Equal(PulumiFailureKind.None, PulumiFailure.Classify("up", new(-1, "", "", Cancelled: true), events).Kind);
    }

    [Fact]
    public void Classify_CliDiedWithoutASummary_ReportsItAndTheStderr()
    {
        var events = new PulumiEventMapper();
        events.Map("""{"sequence":0,"timestamp":1,"preludeEvent":{"config":{}}}""");

        var failure = PulumiFailure.Classify("up", Failed("panic: runtime error", 2), events);

        Assert.Equal(PulumiFailureKind.Other, failure.Kind);
        Assert.Equal("pulumi up failed: panic: runtime error The CLI stopped before finishing its work.", failure.Message);
    }
}
