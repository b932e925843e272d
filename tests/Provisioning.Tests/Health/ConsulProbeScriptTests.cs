using System.Text.Json.Nodes;
using FakeSsm;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Provisioning.Clusters;
using Provisioning.Consul;
using Provisioning.Health;
using Provisioning.Tests.Support;
using Provisioning.Topology;
using TestSupport;
using Provisioning.Pulumi;

namespace Provisioning.Tests.Health;

/// <summary>
/// The script Run Command executes on a server: linted, and run for real with bash, curl and jq against a
/// stand-in Consul (the stand-in's documented answers over HTTP), a stand-in instance metadata service and an
/// <c>aws</c> stub, so what it prints is what the probe parses.
/// </summary>
public sealed class ConsulProbeScriptTests : IDisposable
{
    private static readonly ClusterSpec Spec = TestSpecs.Spec();
    private const string HealthToken = "0b7c7f7a-3c51-4f2e-9d7e-6a1f0c9b2d44", InstanceId = "i-0abc1234def567890";

    private readonly string _root = Directory.CreateTempSubdirectory("portal-probe-script-").FullName;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task Render_EitherDatacenter_PassesShellcheckWithoutSuppressions(int zone)
    {
        var script = ConsulProbeScript.Render(Spec, zone);

        var (exitCode, output) = await Shellcheck.RunAsync(script);

        Assert.True(exitCode == 0, output);
        Assert.DoesNotContain("shellcheck disable", script);
    }

    [Fact]
    public void Render_Always_HoldsNoSecretAndReadsTheHealthTokenOnTheServer()
    {
        var secrets = TestSpecs.Secrets();

        var scripts = new[] { ConsulProbeScript.Render(Spec, 0), ConsulProbeScript.Render(Spec, 1) };

        foreach (var script in scripts)
        {
            Assert.All(secrets.Confidential, secret => Assert.DoesNotContain(secret, script));
            Assert.Contains($"aws ssm get-parameter --region '{Spec.Region}' --name '{ClusterParameters.HealthToken.Name(Spec)}'", script);
            Assert.Contains("--with-decryption", script);
            // The token reaches curl through a config file only: never an argument that ps would show.
            Assert.DoesNotContain("X-Consul-Token: ${", script.Replace("printf 'header = \"X-Consul-Token: %s\"\\n' \"${TOKEN}\"", ""));
            Assert.Contains("--config \"${WORK}/curl.conf\"", script);
            Assert.Contains("umask 077", script);
            Assert.DoesNotContain("set -x", script);
            Assert.Contains($"https://127.0.0.1:{SecurityRules.HttpsPort}", script);
            Assert.Contains($"--cacert '{ConsulPaths.CaCertificate}'", script);
        }
    }

    /// <summary>The header line names the datacenters for a reader of the command history, and for the SSM stand-in.</summary>
    [Fact]
    public void Render_Secondary_DescribesItsDatacenterAndThePrimary()
    {
        var probe = ConsulDocuments.Describe(ConsulProbeScript.Render(Spec, 1));

        Assert.NotNull(probe);
        Assert.Equal(Spec.AvailabilityZones[1], probe.Datacenter);
        Assert.Equal(Spec.AvailabilityZones[0], probe.Primary);
        Assert.Equal(Spec.AvailabilityZones, probe.Datacenters);
    }

    [Fact]
    public async Task Run_AgainstConsul_PrintsOneDocumentWithConsulsAnswersUnchangedAndTheTokenOnlyInAHeader()
    {
        var servers = new FakeDatacenter(ClusterNames.JoinTag(Spec, 1));
        var other = new FakeDatacenter(ClusterNames.JoinTag(Spec, 0));
        var now = DateTimeOffset.UtcNow;
        var expected = ConsulDocuments.Report(new ConsulDocuments.Probe(Spec.AvailabilityZones[1], Spec.AvailabilityZones[0], Spec.AvailabilityZones),
            servers, InstanceId, dc => dc == Spec.AvailabilityZones[1] ? servers : other, now);
        await using var consul = await StandIn.StartAsync(path => path switch
        {
            "/v1/status/leader" => (200, expected["leader"]!.ToJsonString()),
            // Autopilot's answer for an unhealthy server: still the body, with 429.
            "/v1/operator/autopilot/health" => (429, expected["autopilot"]!.ToJsonString()),
            "/v1/agent/members?wan=1" => (200, expected["wanMembers"]!.ToJsonString()),
            "/v1/acl/replication" => (200, expected["aclReplication"]!.ToJsonString()),
            _ => (404, "not found"),
        });

        var (exitCode, stdout, stderr) = await RunAsync(ConsulProbeScript.Render(Spec, 1, Endpoints(consul.Url)), AwsStub(HealthToken));

        Assert.True(exitCode == 0, stderr);
        var report = Assert.IsType<JsonObject>(JsonNode.Parse(stdout));
        Assert.Equal(Spec.AvailabilityZones[1], (string?)report["datacenter"]);
        Assert.Equal(InstanceId, (string?)report["node"]);
        foreach (var key in new[] { "leader", "autopilot", "wanMembers", "aclReplication" })
            Assert.True(JsonNode.DeepEquals(expected[key], report[key]), key);
        Assert.Equal($"consul.service.{Spec.AvailabilityZones[1]}.consul", (string?)report["dns"]!["name"]);
        Assert.Empty(report["errors"]!.AsArray());
        Assert.Equal(1, stdout.Count(c => c == '\n'));
        Assert.All(consul.Requests.Where(r => r.Path.StartsWith("/v1/", StringComparison.Ordinal)), r => Assert.Equal(HealthToken, r.Token));
        Assert.Contains(consul.Requests, r => r.Path == "/latest/meta-data/instance-id");
        Assert.DoesNotContain(HealthToken, stdout + stderr);
    }

    [Fact]
    public async Task Run_PrimaryDatacenter_DoesNotAskForAclReplication()
    {
        await using var consul = await StandIn.StartAsync(_ => (200, "\"10.0.1.10:8300\""));

        var report = await ReportAsync(0, consul);

        Assert.Null(report["aclReplication"]);
        Assert.DoesNotContain(consul.Requests, r => r.Path == "/v1/acl/replication");
    }

    [Fact]
    public async Task Run_NothingAnswers_StillPrintsAValidDocumentNamingEachFailure()
    {
        var closed = new Uri("http://127.0.0.1:9");
        var aws = AwsStub(null);

        var (exitCode, stdout, stderr) = await RunAsync(ConsulProbeScript.Render(Spec, 1, Endpoints(closed, closed)), aws);

        Assert.True(exitCode == 0, stderr);
        var report = Assert.IsType<JsonObject>(JsonNode.Parse(stdout));
        foreach (var key in new[] { "node", "leader", "autopilot", "wanMembers", "aclReplication" }) Assert.Null(report[key]);
        var errors = report["errors"]!.AsArray().Select(e => (string)e!).ToList();
        Assert.Contains(errors, e => e.StartsWith("the instance id could not be read from IMDSv2", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("the health token could not be read from SSM: An error occurred (ParameterNotFound)", StringComparison.Ordinal));
        foreach (var path in new[] { "/v1/status/leader", "/v1/operator/autopilot/health", "/v1/agent/members?wan=1", "/v1/acl/replication" })
            Assert.Contains(errors, e => e.StartsWith($"GET {path} failed: curl: (7)", StringComparison.Ordinal));
        Assert.Empty(report["dns"]!["answers"]!.AsArray());
        Assert.StartsWith($"getent ahostsv4 consul.service.{Spec.AvailabilityZones[1]}.consul: ", (string?)report["dns"]!["error"]);
    }

    [Fact]
    public async Task Run_ConsulRefusesTheToken_ReportsTheStatusAndBodyOfEachCall()
    {
        await using var consul = await StandIn.StartAsync(_ => (403, "ACL not found"));

        var report = await ReportAsync(0, consul);

        Assert.Null(report["autopilot"]);
        Assert.Contains("GET /v1/operator/autopilot/health answered HTTP 403: ACL not found", report["errors"]!.AsArray().Select(e => (string?)e));
    }

    [Fact]
    public async Task Run_ParameterHoldsNoToken_NeverPutsItIntoTheCurlConfig()
    {
        await using var consul = await StandIn.StartAsync(_ => (200, "\"10.0.1.10:8300\""));

        var report = await ReportAsync(0, consul, token: "x\"\nurl = \"http://attacker.invalid");

        var errors = report["errors"]!.AsArray().Select(e => (string?)e);
        Assert.Contains($"the parameter {ClusterParameters.HealthToken.Name(Spec)} does not hold a Consul token", errors);
        Assert.All(consul.Requests.Where(r => r.Path.StartsWith("/v1/", StringComparison.Ordinal)), r => Assert.Null(r.Token));
    }

    /// <summary>What the script of the zone prints with the stand-in as Consul and the metadata service, and the token in SSM.</summary>
    private async Task<JsonNode> ReportAsync(int zone, StandIn consul, string token = HealthToken)
    {
        var (_, stdout, stderr) = await RunAsync(ConsulProbeScript.Render(Spec, zone, Endpoints(consul.Url)), AwsStub(token));
        return JsonNode.Parse(stdout) ?? throw new InvalidOperationException("no document: " + stderr);
    }

    private static ConsulProbeScript.ProbeEndpoints Endpoints(Uri consul, Uri? imds = null) =>
        new(consul.ToString().TrimEnd('/'), "/dev/null", (imds ?? consul).ToString().TrimEnd('/'));

    /// <summary>An <c>aws</c> on PATH that answers get-parameter with the token, or fails as the CLI does for a missing parameter.</summary>
    private string AwsStub(string? token)
    {
        var bin = Directory.CreateDirectory(Path.Combine(_root, $"bin-{Guid.NewGuid():N}")).FullName;
        var valueFile = Path.Combine(bin, "value");
        if (token is not null) File.WriteAllText(valueFile, token);
        File.WriteAllText(Path.Combine(bin, "aws"), token is null
            ? "#!/usr/bin/env bash\necho 'An error occurred (ParameterNotFound) when calling the GetParameter operation: ' >&2\nexit 254\n"
            : $"#!/usr/bin/env bash\n[[ \"$*\" == *'--name {ClusterParameters.HealthToken.Name(Spec)} --with-decryption'* ]] || exit 3\ncat '{valueFile}'\necho\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path.Combine(bin, "aws"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return bin;
    }

    private async Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(string script, string bin)
    {
        var bash = ExternalTool.Require("bash");
        ExternalTool.Require("curl");
        ExternalTool.Require("jq");
        var path = Path.Combine(_root, $"probe-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(path, script, Token);
        var start = new System.Diagnostics.ProcessStartInfo(bash) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(path);
        start.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Token);
        var stderr = process.StandardError.ReadToEndAsync(Token);
        await process.WaitForExitAsync(Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
    }

    /// <summary>Consul's HTTP API and the instance metadata service on one loopback port, recording each request's token.</summary>
    private sealed class StandIn : IAsyncDisposable
    {
        public sealed record Request(string Path, string? Token);

        private readonly WebApplication _app;
        private readonly List<Request> _requests = [];

        private StandIn(WebApplication app) => _app = app;

        public Uri Url => new(_app.Urls.Single());

        public IReadOnlyList<Request> Requests
        {
            get { lock (_requests) return _requests.ToList(); }
        }

        public static async Task<StandIn> StartAsync(Func<string, (int Status, string Body)> consul)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            var standIn = new StandIn(builder.Build());
            standIn._app.Run(async context =>
            {
                var path = context.Request.Path + context.Request.QueryString;
                lock (standIn._requests)
                    standIn._requests.Add(new Request(path, context.Request.Headers.TryGetValue("X-Consul-Token", out var token) ? token.ToString() : null));
                var (status, body) = path switch
                {
                    "/latest/api/token" => (200, "imds-session-token"),
                    "/latest/meta-data/instance-id" => (200, InstanceId),
                    _ => consul(path),
                };
                context.Response.StatusCode = status;
                await context.Response.WriteAsync(body);
            });
            await standIn._app.StartAsync(Token);
            return standIn;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
