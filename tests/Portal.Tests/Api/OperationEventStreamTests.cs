using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Portal.Deployments;
using TestSupport.Portal;

namespace Portal.Tests.Api;

public sealed class OperationEventStreamTests : IAsyncDisposable
{
    private readonly PortalAppFactory _app = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Fact]
    public async Task EventStream_DroppedMidwayAndResumedWithLastEventId_DeliversEverySequenceOnceAndCloses()
    {
        _app.Settings["Provisioning:Simulated:TimeScale"] = "0.03";
        _app.StartOnKestrel(); // a real socket, so that dropping the connection is a real disconnect
        var http = _app.CreateApiClient();
        var operationId = (string)(await http.CreateClusterAsync(new { name = "streamed" }))["operation"]!["id"]!;
        var url = $"/api/v1/operations/{operationId}/events";
        var received = new List<ServerSentEvent>();

        using (var first = await http.OpenEventStreamAsync(url))
        {
            Assert.Equal("text/event-stream", first.Content.Headers.ContentType!.MediaType);
            await foreach (var e in first.ReadEventsAsync(Ct))
            {
                if (e.Comment is not null) continue;
                received.Add(e);
                if (received.Count == 10) break;
            }
        } // the connection drops mid-operation
        Assert.DoesNotContain(received, e => e.Type == "summary");
        var broadcaster = _app.Services.GetRequiredService<OperationBroadcaster>();
        for (var i = 0; i < 100 && broadcaster.SubscriberCount > 0; i++) await Task.Delay(50, Ct);
        Assert.Equal(0, broadcaster.SubscriberCount); // the server noticed and let go of the dropped stream
        var state = (string)(await http.GetJsonAsync($"/api/v1/operations/{operationId}"))["state"]!;
        Assert.True(state is "queued" or "running", $"the operation already {state}; the test proves nothing");

        using (var resumed = await http.OpenEventStreamAsync(url, lastEventId: received[^1].Id))
            await foreach (var e in resumed.ReadEventsAsync(Ct)) // ends only when the server closes the stream
                if (e.Comment is null) received.Add(e);

        var operation = await http.GetJsonAsync($"/api/v1/operations/{operationId}");
        Assert.Equal("succeeded", (string)operation["state"]!);
        var stored = await http.AllEventsAsync(operationId);
        Assert.Equal(stored.Select(e => (int)e["sequence"]!), received.Select(e => int.Parse(e.Id!)));
        Assert.Equal(Enumerable.Range(1, stored.Count), received.Select(e => int.Parse(e.Id!)));
        // The engine's summary, then the verification of Consul ends the operation.
        Assert.Contains(received, e => e.Type == "summary");
        Assert.Equal("resource-succeeded", received[^1].Type);
        Assert.Equal(global::Portal.Monitoring.ConsulVerification.Step, (string)JsonNode.Parse(received[^1].Data!)!["resource"]!["name"]!);
        foreach (var e in received)
        {
            var data = JsonNode.Parse(e.Data!)!;
            Assert.Equal(int.Parse(e.Id!), (int)data["sequence"]!);
            Assert.Equal(e.Type, (string)data["type"]!);
        }
    }

    [Fact]
    public async Task EventStream_FinishedOperationAfterCursor_StreamsTheRestAndCloses()
    {
        var http = _app.CreateApiClient();
        var operationId = (string)(await http.CreateClusterAsync(new { name = "finished" }))["operation"]!["id"]!;
        await http.WaitForOperationAsync(operationId);
        var stored = await http.AllEventsAsync(operationId);

        using var response = await http.OpenEventStreamAsync($"/api/v1/operations/{operationId}/events?after=5");
        var received = new List<ServerSentEvent>();
        await foreach (var e in response.ReadEventsAsync(Ct)) received.Add(e);

        Assert.Equal(Enumerable.Range(6, stored.Count - 5).Select(i => i.ToString()), received.Where(e => e.Comment is null).Select(e => e.Id));
        Assert.Contains(received, e => e.Comment is not null); // the opening comment tells proxies the stream is alive
    }

    [Fact]
    public async Task EventStream_QuietOperation_SendsHeartbeatComments()
    {
        _app.Settings["Api:EventStreamHeartbeat"] = "00:00:00.200"; // 15 s in production
        _app.Settings["Provisioning:Simulated:TimeScale"] = "1"; // slow enough that nothing happens for a while
        var http = _app.CreateApiClient();
        var operationId = (string)(await http.CreateClusterAsync(new { name = "quiet" }))["operation"]!["id"]!;

        using var response = await http.OpenEventStreamAsync($"/api/v1/operations/{operationId}/events");
        var heartbeats = 0;
        await foreach (var e in response.ReadEventsAsync(Ct))
            if (e.Comment == "heartbeat" && ++heartbeats == 2) break;

        Assert.Equal(2, heartbeats);
    }

    [Fact]
    public async Task EventPage_WithoutEventStreamAccept_AnswersJsonPage()
    {
        var http = _app.CreateApiClient();
        var operationId = (string)(await http.CreateClusterAsync(new { name = "paged-json" }))["operation"]!["id"]!;
        await http.WaitForOperationAsync(operationId);

        var response = await http.GetAsync($"/api/v1/operations/{operationId}/events?after=2&limit=3", Ct);

        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        var page = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal([3, 4, 5], page["events"]!.AsArray().Select(e => (int)e!["sequence"]!));
        Assert.Equal(5, (int)page["next"]!);
    }
}
