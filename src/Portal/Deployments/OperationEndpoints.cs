using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Data;
using Portal.Identity;

namespace Portal.Deployments;

public static class OperationEndpoints
{
    public const int MaxPageSize = 1000;

    public static RouteGroupBuilder MapDeployments(this RouteGroupBuilder api)
    {
        var operations = api.MapGroup("/operations").WithTags("Operations").RequireAuthorization(Policies.ClustersRead);
        operations.MapGet("/", ListAsync).WithName("ListOperations").WithSummary("List operations of every cluster, newest first");
        operations.MapGet("/{id:guid}", GetAsync).WithName("GetOperation").WithSummary("Get an operation, its progress and, once finished, its result")
            .WithDescription("Its ETag changes with its state and progress: poll with If-None-Match, and an unchanged operation answers 304 and no body.")
            .ProducesETag(StatusCodes.Status200OK, StatusCodes.Status304NotModified)
            .Produces(StatusCodes.Status304NotModified).ProducesProblem(StatusCodes.Status404NotFound);
        operations.MapPost("/{id:guid}/cancel", CancelAsync).WithName("CancelOperation").WithSummary("Stop an operation at its next safe point")
            .RequireAuthorization(Policies.ClustersWrite).Idempotent().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        operations.MapGet("/{id:guid}/events", EventsAsync).WithName("GetOperationEvents")
            .WithSummary("An operation's events: a JSON page, or a Server-Sent Events stream with Accept: text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<Results<Ok<OperationListView>, ValidationProblem, ProblemHttpResult>> ListAsync(
        PortalDbContext db, HttpRequest http, Caller caller,
        [FromQuery, Description("Only operations in this state (queued, running, succeeded, failed, cancelling, cancelled).")] string? status,
        [FromQuery, Description("Only operations of this kind (create, update, preview, refresh, destroy, zone-outage, zone-restore).")] string? kind,
        [FromQuery, Description("Only operations of clusters of this team.")] string? team,
        [FromQuery, Description("Only operations of clusters whose name contains this text.")] string? q,
        [FromQuery, Description("Page size, 1 to 200; 50 when omitted.")] int? limit,
        [FromQuery, Description("The cursor from the previous page's 'next' link.")] string? cursor,
        CancellationToken cancellationToken)
    {
        var teams = caller.Teams.ToArray();
        var visible = caller.IsAdmin ? db.Operations : db.Operations.Where(o => teams.Contains(o.Cluster.Team));
        return await OperationLists.PageAsync(db, http, visible, new OperationFilter(status, kind, team, q, limit, cursor), cancellationToken);
    }

    private static async Task<Results<Ok<OperationView>, StatusCodeHttpResult, ProblemHttpResult>> GetAsync(
        Guid id, Caller caller, PortalDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        if (await FindVisibleAsync(id, caller, db, cancellationToken) is not { } operation) return ApiResults.NotFound($"No operation {id}.");
        if (ConditionalRequests.IsNotModified(http, OperationETag.Of(operation))) return ConditionalRequests.NotModified();
        return TypedResults.Ok(OperationView.From(operation, operation.Cluster.Name));
    }

    /// <summary>The operation if the caller may see its cluster; others are told it does not exist.</summary>
    private static async Task<Operation?> FindVisibleAsync(Guid id, Caller caller, PortalDbContext db, CancellationToken cancellationToken)
    {
        var operation = await db.Operations.AsNoTracking().Include(o => o.Cluster).SingleOrDefaultAsync(o => o.Id == id, cancellationToken);
        return operation is not null && caller.CanSee(operation.Cluster.Team) ? operation : null;
    }

    private static async Task<Results<Accepted<OperationView>, ProblemHttpResult>> CancelAsync(Guid id, Caller caller, OperationCommands commands, CancellationToken cancellationToken)
    {
        var result = await commands.CancelAsync(caller, id, cancellationToken);
        return result.Status switch
        {
            CommandStatus.Ok => TypedResults.Accepted($"/api/v1/operations/{id}", result.Value),
            CommandStatus.Conflict => ApiResults.Conflict(result),
            _ => ApiResults.NotFound(result.Message!),
        };
    }

    private static async Task<Results<Ok<EventPage>, OperationEventStream, NoContent, ProblemHttpResult, ValidationProblem>> EventsAsync(
        Guid id, HttpContext http, Caller caller, PortalDbContext db, OperationEventFeed feed, IHostApplicationLifetime lifetime,
        [FromQuery] int? after, [FromQuery] int? limit, CancellationToken cancellationToken)
    {
        if (await FindVisibleAsync(id, caller, db, cancellationToken) is not { } operation) return ApiResults.NotFound($"No operation {id}.");
        var cursor = after ?? 0;
        // A reconnecting EventSource sends the id of the last event it got; resume after it, or after ?after=, whichever is later.
        if (http.Request.Headers["Last-Event-ID"] is [{ Length: > 0 } lastEventId, ..])
        {
            if (!int.TryParse(lastEventId, System.Globalization.NumberStyles.None, null, out var resumeFrom))
                return ApiResults.Invalid("Last-Event-ID", "Last-Event-ID is the 'id' of a received event: a sequence number.");
            cursor = Math.Max(cursor, resumeFrom);
        }
        if (cursor < 0) return ApiResults.Invalid(new Dictionary<string, string[]> { ["after"] = ["'after' is a sequence number: 0 or more."] });
        if (limit is < 1 or > MaxPageSize) return ApiResults.Invalid(new Dictionary<string, string[]> { ["limit"] = [$"'limit' must be between 1 and {MaxPageSize}."] });

        if (http.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase)))
        {
            // An ended operation has nothing more to say after the last event: 204 is the EventSource signal to stop reconnecting.
            if (!Operation.ActiveStates.Contains(operation.State) && operation.LastSequence <= cursor) return TypedResults.NoContent();
            // A stopping portal ends its streams at once instead of holding the shutdown for its whole timeout.
            return new OperationEventStream(token => feed.FollowEventsAsync(id, cursor, token), lifetime.ApplicationStopping);
        }
        var events = await feed.PageAsync(id, cursor, limit ?? 100, cancellationToken);
        return TypedResults.Ok(new EventPage(events, events.Count > 0 ? events[^1].Sequence : cursor));
    }
}

/// <summary>A page of events; pass <see cref="Next"/> as <c>after</c> to continue.</summary>
public sealed record EventPage(IReadOnlyList<EventView> Events, int Next);
