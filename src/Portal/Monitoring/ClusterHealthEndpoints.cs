using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Portal.Api;
using Portal.Clusters;
using Portal.Identity;

namespace Portal.Monitoring;

public static class ClusterHealthEndpoints
{
    public static RouteGroupBuilder MapClusterHealth(this RouteGroupBuilder api)
    {
        var health = api.MapGroup("/clusters/{name}/health").WithTags("Health").RequireAuthorization(Policies.ClustersRead);
        health.MapGet("", GetAsync).WithName("GetClusterHealth")
            .WithSummary("Consul's own health: leader, voters and failure tolerance per datacenter, the WAN pool, ACL replication and DNS")
            .WithDescription("The latest check. A cluster is ready only when every check passes, degraded otherwise; the failing checks are named "
                + "with what was seen. Before the first check (while the cluster deploys) the status is 'unknown'.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        health.MapGet("/history", HistoryAsync).WithName("ListClusterHealthHistory")
            .WithSummary("The cluster's past health checks, newest first, with what ran each and whether the health changed")
            .ProducesProblem(StatusCodes.Status404NotFound);
        health.MapPost("/check", CheckAsync).WithName("CheckClusterHealth")
            .WithSummary("Check Consul now, on one server of each datacenter; answers the result")
            .WithDescription("Ready and degraded clusters only, and not while an operation holds the cluster (it checks Consul itself when it ends): 409 otherwise.")
            .RequireAuthorization(Policies.ClustersWrite)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    private static async Task<Results<Ok<ClusterHealthView>, ProblemHttpResult>> GetAsync(
        string name, Caller caller, ClusterHealthService health, CancellationToken cancellationToken) =>
        await health.LatestAsync(caller, name, cancellationToken) is { } view
            ? TypedResults.Ok(view)
            : ApiResults.NotFound($"No cluster named '{name}'.");

    private static async Task<Results<Ok<HealthHistoryView>, ValidationProblem, ProblemHttpResult>> HistoryAsync(
        string name, HttpRequest http, Caller caller, ClusterHealthService health,
        [FromQuery, Description("Page size, 1 to 200; 50 when omitted.")] int? limit,
        [FromQuery, Description("The cursor from the previous page's 'next' link.")] string? cursor,
        CancellationToken cancellationToken)
    {
        if (!Pagination.TryRead(limit, cursor, 1, out var take, out var after, out var errors)) return ApiResults.Invalid(errors);
        DateTimeOffset? before = null;
        if (after is [var ticks])
        {
            if (!Pagination.TryReadTime(ticks, out var time)) return ApiResults.Invalid("cursor", "'cursor' is not a cursor of this list.");
            before = time;
        }
        if (await health.HistoryAsync(caller, name, take + 1, before, cancellationToken) is not { } rows)
            return ApiResults.NotFound($"No cluster named '{name}'.");
        var page = rows.Take(take).ToList();
        var next = Pagination.NextLink(http, page, take, rows.Count > take, e => Pagination.Encode(e.CheckedAt.UtcTicks.ToString()));
        return TypedResults.Ok(new HealthHistoryView(page, next));
    }

    private static async Task<Results<Ok<ClusterHealthView>, ProblemHttpResult>> CheckAsync(
        string name, Caller caller, ClusterHealthService health, CancellationToken cancellationToken)
    {
        var result = await health.CheckNowAsync(caller, name, cancellationToken);
        return result.Status switch
        {
            CommandStatus.Ok => TypedResults.Ok(result.Value),
            CommandStatus.Conflict => ApiResults.Conflict(result),
            _ => ApiResults.NotFound(result.Message!),
        };
    }
}

/// <summary>A page of health checks; <see cref="Next"/> is the URL of the next page, null on the last.</summary>
public sealed record HealthHistoryView(IReadOnlyList<HealthHistoryEntry> Items, string? Next = null);
