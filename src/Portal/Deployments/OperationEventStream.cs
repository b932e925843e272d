using System.Globalization;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Portal.Api;

namespace Portal.Deployments;

/// <summary>
/// Operation events as <c>text/event-stream</c>, written by the framework (<see cref="TypedResults.ServerSentEvents{T}(IAsyncEnumerable{SseItem{T}})"/>):
/// <c>id</c> = sequence (what a reconnecting client sends back as <c>Last-Event-ID</c>), <c>event</c> = type,
/// <c>data</c> = the event as one line of JSON. The framework writes no comments, so this adds them: one at the start,
/// so that the client gets the headers before the first event, and one every <see cref="ApiOptions.EventStreamHeartbeat"/>
/// so that proxies do not close a quiet stream. The stream ends when the events end: after the operation's final event,
/// or when the portal stops (clients reconnect with <c>Last-Event-ID</c> and miss nothing).
/// </summary>
internal sealed class OperationEventStream(Func<CancellationToken, IAsyncEnumerable<EventView>> follow, CancellationToken stopping) : IResult
{
    public async Task ExecuteAsync(HttpContext http)
    {
        var heartbeat = http.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.EventStreamHeartbeat;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        http.Response.Headers["X-Accel-Buffering"] = "no"; // nginx would otherwise buffer the stream
        await using var body = new CommentingStream(http.Response.Body);
        http.Response.Body = body;
        try
        {
            await TypedResults.ServerSentEvents(ItemsAsync(body, heartbeat, stop.Token)).ExecuteAsync(http);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { } // the client left or the portal stops
        finally
        {
            http.Response.Body = body.Inner;
        }
    }

    private async IAsyncEnumerable<SseItem<string>> ItemsAsync(CommentingStream body, TimeSpan heartbeatInterval,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The framework has sent the headers by the time it asks for the first item.
        await body.CommentAsync("stream of operation events", cancellationToken);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var heartbeat = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(heartbeatInterval);
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token)) await body.CommentAsync("heartbeat", stop.Token);
            }
            catch (Exception) when (stop.IsCancellationRequested) { } // the stream ended or the client left
        }, CancellationToken.None);
        var events = follow(cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                try
                {
                    if (!await events.MoveNextAsync()) break;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { break; }
                var e = events.Current;
                yield return new SseItem<string>(JsonSerializer.Serialize(e, PortalJson.Options), e.Type)
                {
                    EventId = e.Sequence.ToString(CultureInfo.InvariantCulture),
                };
            }
        }
        finally
        {
            await events.DisposeAsync();
            await stop.CancelAsync();
            await heartbeat;
        }
    }

    /// <summary>The response body, one write at a time, each flushed, so that comments fall between events, never inside one.</summary>
    private sealed class CommentingStream(Stream inner) : Stream
    {
        private readonly SemaphoreSlim _gate = new(1, 1);

        public Stream Inner => inner;

        public Task CommentAsync(string comment, CancellationToken cancellationToken) =>
            WriteAsync(Encoding.UTF8.GetBytes($": {comment}\n\n"), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                await inner.WriteAsync(buffer, cancellationToken);
                await inner.FlushAsync(cancellationToken);
            }
            finally { _gate.Release(); }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask; // every write is flushed

        public override ValueTask DisposeAsync()
        {
            _gate.Dispose();
            return ValueTask.CompletedTask; // the response owns the inner stream
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The event stream is written asynchronously.");
    }
}
