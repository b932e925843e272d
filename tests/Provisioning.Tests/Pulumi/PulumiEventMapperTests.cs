using Provisioning.Engines;
using Provisioning.Pulumi;
using TestSupport;

namespace Provisioning.Tests.Pulumi;

public class PulumiEventMapperTests
{
    private static (PulumiEventMapper Mapper, List<EngineEvent> Events) MapFile(string file)
    {
        var mapper = new PulumiEventMapper();
        var events = new List<EngineEvent>();
        foreach (var line in File.ReadLines(SharedData.Path("pulumi-events", file)).Where(l => l.Trim().Length > 0))
            events.AddRange(mapper.Map(line));
        events.AddRange(mapper.Finish());
        return (mapper, events);
    }

    [Theory]
    [InlineData("up.json", 5, 5, 0, 0)]
    [InlineData("up-interrupted.json", 4, 1, 0, 3)]
    [InlineData("failed-stacks-dont-rewrite-operations.json", 2, 1, 1, 0)]
    [InlineData("destroy-with-components.json", 2, 2, 0, 0)]
    public void Map_CapturedStream_ReportsEachResourceOnce(string file, int started, int succeeded, int failed, int notCompleted)
    {
        var (mapper, events) = MapFile(file);

        Assert.Equal(started, events.Count(e => e.Type == EngineEventType.ResourceStarted));
        Assert.Equal(succeeded, events.Count(e => e.Type == EngineEventType.ResourceSucceeded));
        Assert.Equal(failed, events.Count(e => e.Type == EngineEventType.ResourceFailed));
        Assert.Equal(notCompleted, mapper.InFlight.Count);
        Assert.Single(events, e => e.Type == EngineEventType.Summary);
        Assert.True(mapper.SawEnd);
        // The stack and the providers are Pulumi's bookkeeping, never progress.
        Assert.DoesNotContain(events, e => e.Resource is { } r && (r.Type.StartsWith("pulumi:providers:", StringComparison.Ordinal) || r.Type == "pulumi:pulumi:Stack"));
    }

    [Fact]
    public void Map_InterruptedUp_ReportsTheResourcesInFlightAsNotCompleted()
    {
        var (mapper, events) = MapFile("up-interrupted.json");

        Assert.Equal(["interrupted-component", "interrupted-db", "interrupted-instance"], mapper.InFlight.Order());
        var warning = Assert.Single(events, e => e.Type == EngineEventType.Diagnostic && e.Severity == EventSeverity.Warning);
        Assert.Contains("interrupted-db", warning.Message);
    }

    [Fact]
    public void Map_FailedUpdate_NamesTheFailedResourceWithItsTypeAndOp()
    {
        var (mapper, events) = MapFile("failed-stacks-dont-rewrite-operations.json");

        var failed = Assert.Single(events, e => e.Type == EngineEventType.ResourceFailed);
        Assert.Equal(new EventResource("test-x", "pulumi-python:dynamic:Resource", "update"), failed.Resource);
        Assert.Equal(["test-x"], mapper.Failures.Keys);
        Assert.Equal(EventSeverity.Error, Assert.Single(events, e => e.Type == EngineEventType.Summary).Severity);
    }

    [Fact]
    public void Map_UnchangedResources_AreStartedAndSucceededWithOpSame()
    {
        var (_, events) = MapFile("up.json");

        var role = events.Where(e => e.Resource?.Name == "eks-role").ToList();
        Assert.Equal([EngineEventType.ResourceStarted, EngineEventType.ResourceSucceeded], role.Select(e => e.Type));
        Assert.All(role, e => Assert.Equal(new EventResource("eks-role", "aws:iam/role:Role", "same"), e.Resource));
        Assert.Equal("create", events.Single(e => e.Type == EngineEventType.ResourceSucceeded && e.Resource!.Name == "eks-cluster").Resource!.Op);
    }

    private const string Urn = "urn:pulumi:dev::alpha::aws:ec2/vpc:Vpc::vpc";
    private const string Metadata = $$"""{"op":"create","urn":"{{Urn}}","type":"aws:ec2/vpc:Vpc","old":null,"new":null,"provider":""}""";

    [Fact]
    public void Map_ErrorDiagnosticThenOpFailed_ReportsOneFailureWithTheAwsText()
    {
        var mapper = new PulumiEventMapper();
        var events = new[]
        {
            $$$"""{"sequence":1,"timestamp":1,"resourcePreEvent":{"metadata":{{{Metadata}}}}}""",
            $$$"""{"sequence":2,"timestamp":1,"diagnosticEvent":{"urn":"{{{Urn}}}","prefix":"error: ","message":"<{%fg 1%}>  error: creating EC2 VPC: api error VpcLimitExceeded: The maximum number of VPCs has been reached.<{%reset%}>\n","color":"raw","severity":"error"}}""",
            $$$"""{"sequence":3,"timestamp":1,"resOpFailedEvent":{"metadata":{{{Metadata}}},"status":0,"steps":1}}""",
            """{"sequence":4,"timestamp":1,"diagnosticEvent":{"urn":"urn:pulumi:dev::alpha::pulumi:pulumi:Stack::alpha-dev","message":"update failed\n","color":"raw","severity":"error"}}""",
        }.SelectMany(mapper.Map).ToList();

        var failed = Assert.Single(events, e => e.Type == EngineEventType.ResourceFailed);
        Assert.Equal("creating EC2 VPC: api error VpcLimitExceeded: The maximum number of VPCs has been reached.", failed.Message);
        Assert.Equal("vpc", failed.Resource!.Name);
        Assert.Equal(["update failed"], mapper.Errors);
        Assert.Empty(mapper.InFlight);
    }

    /// <summary>
    /// A planned update as the contract documents StepEventMetadata (<c>diffs</c>, <c>detailedDiff</c> keyed by property path):
    /// no captured stream under shared/data carries a diff, so the lines are written to the contract, as FakePulumi writes them.
    /// </summary>
    [Theory]
    [InlineData("""{"desiredCapacity":{"kind":"update","inputDiff":true},"tags[0].value":{"kind":"update","inputDiff":true},"maxSize":{"kind":"update"}}""", """["desiredCapacity","maxSize","tags"]""")]
    [InlineData("null", """["maxSize","desiredCapacity","tags"]""")]
    public void Map_PlannedUpdateWithDiffs_CarriesTheChangedTopLevelPropertiesInOrder(string detailedDiff, string diffs)
    {
        const string group = "urn:pulumi:dev::alpha::aws:autoscaling/group:Group::clientGroup";
        var mapper = new PulumiEventMapper();

        var events = mapper.Map($$$"""{"sequence":5,"timestamp":1,"resourcePreEvent":{"metadata":{"op":"update","urn":"{{{group}}}","type":"aws:autoscaling/group:Group","old":null,"new":null,"detailedDiff":{{{detailedDiff}}},"diffs":{{{diffs}}},"provider":""},"planning":true}}""");

        var planned = Assert.Single(events);
        Assert.Equal(EngineEventType.Diagnostic, planned.Type);
        Assert.Equal(("clientGroup", "update"), (planned.Resource!.Name, planned.Resource.Op));
        Assert.Equal(["desiredCapacity", "maxSize", "tags"], planned.Resource.Properties);
        Assert.EndsWith(": desiredCapacity, maxSize, tags", planned.Message);
        Assert.Empty(mapper.InFlight); // a planned step deploys nothing
    }

    [Fact]
    public void Map_ProviderErrorList_KeepsJustTheAwsError()
    {
        var mapper = new PulumiEventMapper();

        var events = mapper.Map($$$"""{"sequence":7,"timestamp":1,"diagnosticEvent":{"urn":"{{{Urn}}}","prefix":"error: ","message":"  error: 1 error occurred:\n\t* creating EC2 VPC: api error VpcLimitExceeded: The maximum number of VPCs has been reached.\n\n","color":"never","severity":"error"}}""");

        Assert.Equal("creating EC2 VPC: api error VpcLimitExceeded: The maximum number of VPCs has been reached.", Assert.Single(events).Message);
    }

    [Fact]
    public void Map_DebugEphemeralUnknownAndBrokenLines_AreSkippedWithoutFailing()
    {
        var mapper = new PulumiEventMapper();
        var events = new[]
        {
            """{"sequence":1,"timestamp":1,"diagnosticEvent":{"message":"plugin chatter","color":"raw","severity":"debug"}}""",
            """{"sequence":2,"timestamp":1,"diagnosticEvent":{"message":"downloading…","color":"raw","severity":"info","ephemeral":true}}""",
            """{"sequence":3,"timestamp":1,"startDebuggingEvent":{"config":{}}}""",
            """{"sequence":4,"timestamp":1,"stdoutEvent":{"message":"Updating (dev)","color":"raw"}}""",
            """{"sequence":5,"timestamp":1,"diagnosticEvent":{"message":"deprecated input","color":"raw","severity":"warning"}}""",
            """{"sequence":6,"timest""",
        }.SelectMany(mapper.Map).ToList();

        Assert.Equal(2, events.Count);
        Assert.Equal(("deprecated input", EventSeverity.Warning), (events[0].Message, events[0].Severity));
        Assert.Equal(EventSeverity.Warning, events[1].Severity);
    }
}
