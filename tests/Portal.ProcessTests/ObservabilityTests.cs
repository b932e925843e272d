using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Portal.ProcessTests.Support;
using TestSupport.Portal;
using Portal.Engines;

namespace Portal.ProcessTests;

/// <summary>What an operator gets: metrics and traces over OTLP, JSON logs with the operation in scope, no secret anywhere.</summary>
public sealed class ObservabilityTests
{
    [Fact]
    public async Task Deployment_ExportsMetricsAndSpansOverOtlp_AndLogsJsonWithOperationScope()
    {
        using var collector = new OtlpReceiver();
        await using var portal = new PortalProcess();
        portal.Settings["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint;
        portal.Settings["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        portal.Settings["OTEL_METRIC_EXPORT_INTERVAL"] = "500";
        portal.Settings["OTEL_BSP_SCHEDULE_DELAY"] = "200";
        portal.Settings["Logging:Console:FormatterName"] = "json";
        portal.Settings["Logging:Console:FormatterOptions:IncludeScopes"] = "true";
        await portal.StartAsync();

        var operations = await Fleet.CreateAsync(portal.Http, "observed", 2);
        await Fleet.WaitUntilSettledAsync(portal.Http, TimeSpan.FromMinutes(1));

        string[] metrics = ["portal.operations.started", "portal.operations.ended", "portal.operation.duration",
            "portal.events.written", "portal.operations.queued", "portal.operations.queued.oldest_age", "portal.live.subscribers"];
        await Fleet.WaitUntilAsync(() => Task.FromResult(metrics.All(m => collector.Received("/v1/metrics", m))),
            TimeSpan.FromSeconds(30), "every portal metric to be exported");
        // The operation's span and, beneath it, one per resource the engine worked on.
        await Fleet.WaitUntilAsync(() => Task.FromResult(
                collector.Received("/v1/traces", "Portal.Deployments") && collector.Received("/v1/traces", "create cluster")
                && collector.Received("/v1/traces", "portal.resource.name") && collector.Received("/v1/traces", "observed-000")),
            TimeSpan.FromSeconds(30), "the deployment's spans to be exported");
        await Fleet.WaitUntilAsync(() => Task.FromResult(collector.Received("/v1/logs", "OperationId")),
            TimeSpan.FromSeconds(30), "logs with the operation in scope to be exported");

        // Console logs are JSON, one object a line, and the runner's lines carry the operation and cluster in scope.
        var json = portal.OutputLines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.NotEmpty(json);
        var scoped = json.Where(e => e.TryGetProperty("Scopes", out var scopes) && scopes.GetRawText().Contains("OperationId")).ToList();
        Assert.Contains(scoped, e => e.GetProperty("Scopes").GetRawText().Contains(operations["observed-000"])
            && e.GetProperty("Scopes").GetRawText().Contains("\"Cluster\":\"observed-000\""));
        Fleet.AssertCleanLogs(portal);

        // The clusters' gossip keys, decrypted here with the portal's own key ring, appear in no log line.
        var gossipKeys = GossipKeys(portal);
        Assert.Equal(2, gossipKeys.Count);
        Assert.All(gossipKeys, key => Assert.DoesNotContain(key, portal.Output, StringComparison.Ordinal));
    }

    private static List<string> GossipKeys(PortalProcess portal)
    {
        var protector = DataProtectionProvider.Create(
            new DirectoryInfo(Path.Combine(portal.DataDirectory, "keys")), keys => keys.SetApplicationName("Portal"));
        var store = new Engines.ClusterSecretStore(protector, null!, TimeProvider.System);
        return Fleet.Query(portal, "SELECT ProtectedSecrets FROM Clusters", r => store.Unprotect(r.GetString(0)).GossipKey);
    }
}
