using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Clusters;
using Portal.Data;

namespace Portal.Deployments;

public static class OperationEndpoints
{
    public const int MaxPageSize = 1000;

    public static RouteGroupBuilder MapOperationEndpoints(this RouteGroupBuilder api)
    {
        var operations = api.MapGroup("/operations").WithTags("Operations");
        operations.MapGet("/{id:guid}", GetAsync).WithName("GetOperation").WithSummary("Get an operation and its progress");
        operations.MapPost("/{id:guid}/cancel", CancelAsync).WithName("CancelOperation").WithSummary("Stop an operation at its next safe point");
        operations.MapPost("/{id:guid}/retry", RetryAsync).WithName("RetryOperation").WithSummary("Run a failed or cancelled operation again");
        operations.MapGet("/{id:guid}/events", EventsAsync).WithName("GetOperationEvents")
            .WithSummary("An operation's events: a JSON page, or a Server-Sent Events stream with Accept: text/event-stream");
        return api;
    }

    private static async Task<Results<Ok<OperationView>, ProblemHttpResult>> GetAsync(Guid id, PortalDbContext db, CancellationToken cancellationToken) =>
        await db.Operations.AsNoTracking().Include(o => o.Cluster).SingleOrDefaultAsync(o => o.Id == id, cancellationToken) is { } operation
            ? TypedResults.Ok(OperationView.From(operation, operation.Cluster.Name))
            : ApiResults.NotFound($"No operation {id}.");

    private static async Task<Results<Accepted<OperationView>, ProblemHttpResult>> CancelAsync(Guid id, ClusterCommands commands, CancellationToken cancellationToken)
    {
        var result = await commands.CancelAsync(id, cancellationToken);
        return result.Status switch
        {
            CommandStatus.Ok => TypedResults.Accepted($"/api/v1/operations/{id}", result.Value),
            CommandStatus.Conflict => ApiResults.Conflict(result),
            _ => ApiResults.NotFound(result.Message!),
        };
    }

    private static async Task<Results<Accepted<ClusterOperationView>, ValidationProblem, ProblemHttpResult>> RetryAsync(
        Guid id, ClusterCommands commands, CancellationToken cancellationToken) =>
        ClusterEndpoints.Enqueued(await commands.RetryAsync(id, cancellationToken));

    private static async Task<Results<Ok<EventPage>, EmptyHttpResult, ProblemHttpResult, ValidationProblem>> EventsAsync(
        Guid id, HttpContext http, PortalDbContext db, OperationEventFeed feed, IHostApplicationLifetime lifetime,
        [FromQuery] int? after, [FromQuery] int? limit, CancellationToken cancellationToken)
    {
        if (!await db.Operations.AnyAsync(o => o.Id == id, cancellationToken)) return ApiResults.NotFound($"No operation {id}.");
        var cursor = after ?? 0;
        if (http.Request.Headers["Last-Event-ID"] is [{ } lastEventId, ..] && int.TryParse(lastEventId, out var resumeFrom)) cursor = Math.Max(cursor, resumeFrom);
        if (cursor < 0) return ApiResults.Invalid(new Dictionary<string, string[]> { ["after"] = ["'after' is a sequence number: 0 or more."] });
        if (limit is < 1 or > MaxPageSize) return ApiResults.Invalid(new Dictionary<string, string[]> { ["limit"] = [$"'limit' must be between 1 and {MaxPageSize}."] });

        if (http.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase)))
        {
            // A stopping portal ends its streams at once instead of holding the shutdown for its whole timeout;
            // clients reconnect with Last-Event-ID and miss nothing.
            using var stream = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
            await ServerSentEvents.StreamAsync(http, feed.FollowAsync(id, cursor, stream.Token), stream.Token);
            return TypedResults.Empty;
        }
        var events = await feed.PageAsync(id, cursor, limit ?? 100, cancellationToken);
        return TypedResults.Ok(new EventPage(events, events.Count > 0 ? events[^1].Sequence : cursor));
    }
}

/// <summary>A page of events; pass <see cref="Next"/> as <c>after</c> to continue.</summary>
public sealed record EventPage(IReadOnlyList<EventView> Events, int Next);

/// <summary>Writes events as <c>text/event-stream</c>: <c>id</c> = sequence, <c>event</c> = type, a heartbeat comment every 15 s.</summary>
internal static class ServerSentEvents
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static async Task StreamAsync(HttpContext http, IAsyncEnumerable<EventView> events, CancellationToken cancellationToken)
    {
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
            using var timer = new PeriodicTimer(Heartbeat);
            while (await timer.WaitForNextTickAsync(stop.Token)) await WriteAsync(": heartbeat\n\n");
        }, stop.Token);
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
            try { await heartbeat; } catch (OperationCanceledException) { }
        }
    }
}
