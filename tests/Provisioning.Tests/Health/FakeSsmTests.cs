using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using FakeSsm;
using Provisioning.Clusters;
using Provisioning.Health;
using Provisioning.Tests.Support;
using Provisioning.Topology;
using Provisioning.Pulumi;

namespace Provisioning.Tests.Health;

/// <summary>The SSM stand-in speaks the protocol the real AWS SDK client expects: shapes, pagination, errors; in-process and as an exe.</summary>
public sealed class FakeSsmTests : IAsyncLifetime
{
    private static readonly string Script = ConsulProbeScript.Render(TestSpecs.Spec(), 0);
    private static readonly string JoinTag = ClusterNames.JoinTag(TestSpecs.Spec(), 0);

    private FakeSsmServer _ssm = null!;
    private AmazonSimpleSystemsManagementClient _client = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _ssm = await FakeSsmServer.StartAsync(Token);
        _client = Client(_ssm.Url);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _ssm.DisposeAsync();
    }

    private static AmazonSimpleSystemsManagementClient Client(Uri url) =>
        new(FakeSsmProbes.Credentials, new AmazonSimpleSystemsManagementConfig { ServiceURL = url.ToString(), AuthenticationRegion = "eu-west-1", MaxErrorRetry = 0 });

    private Task<SendCommandResponse> SendAsync(string instance, string script) => _client.SendCommandAsync(new SendCommandRequest
    {
        DocumentName = "AWS-RunShellScript",
        InstanceIds = [instance],
        Parameters = new Dictionary<string, List<string>> { ["commands"] = [script] },
        TimeoutSeconds = 30,
    }, Token);

    [Fact]
    public async Task DescribeInstanceInformation_ManyServers_PagesThroughTheOnlineOnesOfTheTag()
    {
        _ssm.Datacenter(JoinTag).Servers = 7;
        _ssm.Datacenter("other-eu-west-1a").Servers = 2;

        var first = await _client.DescribeInstanceInformationAsync(new DescribeInstanceInformationRequest
        {
            Filters = [new InstanceInformationStringFilter { Key = "tag:consul-join", Values = [JoinTag] }],
            MaxResults = 5,
        }, Token);
        var second = await _client.DescribeInstanceInformationAsync(new DescribeInstanceInformationRequest
        {
            Filters = [new InstanceInformationStringFilter { Key = "tag:consul-join", Values = [JoinTag] }],
            MaxResults = 5,
            NextToken = first.NextToken,
        }, Token);

        Assert.Equal(_ssm.Datacenter(JoinTag).InstanceIds, first.InstanceInformationList.Concat(second.InstanceInformationList).Select(i => i.InstanceId));
        Assert.True(string.IsNullOrEmpty(second.NextToken));
        Assert.All(first.InstanceInformationList, i => Assert.Equal(PingStatus.Online, i.PingStatus));
        Assert.Equal(PlatformType.Linux, first.InstanceInformationList[0].PlatformType);
        Assert.True(first.InstanceInformationList[0].LastPingDateTime > DateTime.UtcNow.AddMinutes(-5));
    }

    [Fact]
    public async Task GetCommandInvocation_RightAfterSend_IsInvisibleThenInProgressThenSuccessWithTheReport()
    {
        var instance = _ssm.Datacenter(JoinTag).InstanceId(0);
        var sent = await SendAsync(instance, Script);
        var request = new GetCommandInvocationRequest { CommandId = sent.Command.CommandId, InstanceId = instance };

        await Assert.ThrowsAsync<InvocationDoesNotExistException>(() => _client.GetCommandInvocationAsync(request, Token));
        var pending = await _client.GetCommandInvocationAsync(request, Token);
        var done = await _client.GetCommandInvocationAsync(request, Token);

        Assert.Equal(CommandStatus.Pending, sent.Command.Status);
        Assert.Equal(CommandInvocationStatus.InProgress, pending.Status);
        Assert.Equal(-1, pending.ResponseCode);
        Assert.Equal(CommandInvocationStatus.Success, done.Status);
        Assert.Equal(0, done.ResponseCode);
        var report = JsonNode.Parse(done.StandardOutputContent)!;
        Assert.Equal(instance, (string?)report["node"]);
        Assert.Equal(TestSpecs.Spec().AvailabilityZones[0], (string?)report["datacenter"]);
    }

    [Fact]
    public async Task ListCommandInvocations_WithDetails_CarriesThePluginsOutput()
    {
        var datacenter = _ssm.Datacenter(JoinTag);
        datacenter.InvisiblePolls = 0;
        datacenter.PendingPolls = 0;
        datacenter.FailingServers = 1;
        var sent = await SendAsync(datacenter.InstanceId(0), Script);

        var listed = await _client.ListCommandInvocationsAsync(new ListCommandInvocationsRequest { CommandId = sent.Command.CommandId, Details = true }, Token);

        var invocation = Assert.Single(listed.CommandInvocations);
        Assert.Equal(CommandInvocationStatus.Failed, invocation.Status);
        var plugin = Assert.Single(invocation.CommandPlugins);
        Assert.Equal("aws:runShellScript", plugin.Name);
        Assert.Equal(1, plugin.ResponseCode);
        Assert.Contains("----------ERROR-------\nmktemp: failed", plugin.Output);
    }

    [Fact]
    public async Task SendCommand_OutsideSsmsLimits_AnswersTheDocumentedErrors()
    {
        var instance = _ssm.Datacenter(JoinTag).InstanceId(0);

        var unknown = await Assert.ThrowsAsync<InvalidInstanceIdException>(() => SendAsync("i-00000000000000000", Script));
        var document = await Assert.ThrowsAsync<InvalidDocumentException>(() => _client.SendCommandAsync(new SendCommandRequest
        {
            DocumentName = "AWS-RunPowerShellScript", InstanceIds = [instance], Parameters = new() { ["commands"] = ["dir"] },
        }, Token));
        var comment = await Assert.ThrowsAsync<AmazonSimpleSystemsManagementException>(() => _client.SendCommandAsync(new SendCommandRequest
        {
            DocumentName = "AWS-RunShellScript", InstanceIds = [instance], Parameters = new() { ["commands"] = ["true"] }, Comment = new string('c', 101),
        }, Token));

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal("InvalidDocument", document.ErrorCode);
        Assert.Equal("ValidationException", comment.ErrorCode);
        Assert.Contains("comment", comment.Message);
    }

    [Fact]
    public async Task Post_WithoutSignatureOrWithAnUnknownAction_AnswersAJsonError()
    {
        using var http = new HttpClient();
        var unsigned = await http.PostAsync(_ssm.Url, new StringContent("{}", Encoding.UTF8, FakeSsmServer.ContentType), Token);
        using var unknown = new HttpRequestMessage(HttpMethod.Post, _ssm.Url) { Content = new StringContent("{}", Encoding.UTF8, FakeSsmServer.ContentType) };
        unknown.Headers.Add("X-Amz-Target", "AmazonSSM.DeleteEverything");
        unknown.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=x/20260101/eu-west-1/ssm/aws4_request");

        var unknownResponse = await http.SendAsync(unknown, Token);

        Assert.Equal(HttpStatusCode.BadRequest, unsigned.StatusCode);
        Assert.Equal("MissingAuthenticationTokenException", (string?)JsonNode.Parse(await unsigned.Content.ReadAsStringAsync(Token))!["__type"]);
        Assert.Equal("UnknownOperationException", (string?)JsonNode.Parse(await unknownResponse.Content.ReadAsStringAsync(Token))!["__type"]);
    }

    /// <summary>How the lead's end-to-end runs use it: <c>dotnet FakeSsm.dll --urls … --fault …</c>, then the control endpoints.</summary>
    [Fact]
    public async Task Exe_WithAFaultOnTheCommandLine_ServesTheProbeAndItsControlEndpoints()
    {
        var spec = TestSpecs.Spec();
        var secondary = ClusterNames.JoinTag(spec, 1);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "FakeSsm.dll"), "--urls", "http://127.0.0.1:0", "--fault", $"{secondary}=dns-fails" })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(Token).AsTask().WaitAsync(TimeSpan.FromSeconds(60), Token);
            Assert.StartsWith("FakeSsm listening on ", line);
            var url = new Uri(line!["FakeSsm listening on ".Length..]);
            using var probe = FakeSsmProbes.Probe(url, new LogCapture());
            using var http = new HttpClient { BaseAddress = url };
            var put = await http.PutAsync($"/_fake/datacenters/{ClusterNames.JoinTag(spec, 0)}",
                new StringContent("""{"failingServers": 1}""", Encoding.UTF8, "application/json"), Token);

            var health = ConsulHealthEvaluator.Evaluate(spec, await probe.ProbeAsync(spec, [], Token), DateTimeOffset.UtcNow);

            Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
            Assert.Equal([ConsulHealthEvaluator.Named(ConsulHealthEvaluator.DnsCheck, spec.AvailabilityZones[1])], health.Failing.Select(c => c.Name));
            Assert.EndsWith("001", health.Datacenters[0].ProbedInstance);
            var requests = JsonNode.Parse(await http.GetStringAsync("/_fake/requests", Token))!.AsArray();
            Assert.Contains(requests, r => (string?)r!["Action"] == "SendCommand");
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }
}
