using System.Text.Json.Nodes;
using Portal.ProcessTests.Support;
using TestSupport.Portal;

namespace Portal.ProcessTests;

/// <summary>SQLite under pressure: many deployments and live viewers at once, nothing refused, nothing lost.</summary>
public sealed class LoadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoHundredClustersAtOnce_WithTwentyLiveStreams_AllSucceed_NoLockErrors_StreamsComplete()
    {
        const int clusters = 200, watchers = 20;
        await using var portal = new PortalProcess();
        portal.Settings["Deployments:MaxConcurrency"] = "16";
        await portal.StartAsync();
        var http = portal.Http;

        var watched = Enumerable.Range(0, clusters).OrderBy(_ => Random.Shared.Next()).Take(watchers).ToHashSet();
        var streams = new List<Task<(string OperationId, List<JsonObject> Events)>>();
        var created = await Task.WhenAll(Enumerable.Range(0, clusters).Select(async i =>
        {
            var answer = await http.CreateClusterAsync(new { name = $"load-{i:000}" });
            var operationId = (string)answer["operation"]!["id"]!;
            if (watched.Contains(i))
                lock (streams) streams.Add(EventStream.ReadAllAsync(http, operationId, TimeSpan.FromMinutes(4)));
            return (Name: $"load-{i:000}", OperationId: operationId);
        }));

        await Fleet.WaitUntilSettledAsync(http, TimeSpan.FromMinutes(4));
        Assert.Equal(clusters, await Fleet.CountAsync(http, "Ready"));
        foreach (var (_, operationId) in created) await Fleet.AssertIntactAsync(http, operationId);

        // Each live viewer received exactly what is stored: every event, once, in order.
        foreach (var (operationId, streamed) in await Task.WhenAll(streams))
        {
            var stored = await http.AllEventsAsync(operationId);
            Assert.NotEmpty(stored);
            Assert.Equal(stored.Select(Key), streamed.Select(Key));
        }

        // Clusters requested together still got address ranges apart from each other.
        var cidrs = (await Fleet.ListAsync(http, "/api/v1/clusters?limit=200")).Select(c => (string)c["spec"]!["vpcCidr"]!).ToList();
        Assert.Equal(clusters, cidrs.Distinct().Count());
        Fleet.AssertCleanLogs(portal);
    }

    private static string Key(JsonObject e) => $"{e["sequence"]} {e["type"]} {e["resource"]?["name"]} {e["message"]}";
}
