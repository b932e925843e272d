using System.Text.Json;
using Microsoft.Extensions.Options;
using Portal.Api;

namespace Portal.Deployments;

/// <summary>
/// Writes events as <c>text/event-stream</c>: <c>id</c> = sequence (what a reconnecting client sends back as
/// <c>Last-Event-ID</c>), <c>event</c> = type, <c>data</c> = the event as one line of JSON. A comment goes out
/// every <see cref="ApiOptions.EventStreamHeartbeat"/> so that proxies do not close a quiet stream.
/// The stream ends when <paramref name="events"/> ends: after the operation's final event.
/// </summary>
internal static class ServerSentEvents
{
    public static async Task StreamAsync(HttpContext http, IAsyncEnumerable<EventView> events, CancellationToken cancellationToken)
    {
        var heartbeatInterval = http.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.EventStreamHeartbeat;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no"; // nginx would otherwise buffer the stream
        var gate = new SemaphoreSlim(1, 1);
        async Task WriteAsync(string text)
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                await http.Response.WriteAsync(text, cancellationToken);
                await http.Response.Body.FlushAsync(cancellationToken);
            }
            finally { gate.Release(); }
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var heartbeat = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(heartbeatInterval);
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token)) await WriteAsync(": heartbeat\n\n");
            }
            catch (Exception) when (stop.IsCancellationRequested) { } // the stream ended or the client left
        }, CancellationToken.None);
        try
        {
            await WriteAsync(": stream of operation events\n\n");
            await foreach (var e in events)
                await WriteAsync($"id: {e.Sequence}\nevent: {e.Type}\ndata: {JsonSerializer.Serialize(e, PortalJson.Options)}\n\n");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
        finally
        {
            await stop.CancelAsync();
            await heartbeat;
        }
    }
}
