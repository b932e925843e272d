using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Data;
using Portal.Identity;

namespace Portal.Clusters;

public static class ClusterEndpoints
{
    public static RouteGroupBuilder MapClusterEndpoints(this RouteGroupBuilder api)
    {
        var clusters = api.MapGroup("/clusters").WithTags("Clusters").RequireAuthorization(Policies.ClustersRead);
        clusters.MapPost("/", CreateAsync).WithName("CreateCluster").WithSummary("Request a new dual-AZ Consul cluster")
            .RequireAuthorization(Policies.ClustersWrite);
        clusters.MapGet("/", ListAsync).WithName("ListClusters").WithSummary("List the clusters of your teams (admins: all)");
        clusters.MapGet("/{name}", GetAsync).WithName("GetCluster").WithSummary("Get a cluster");
        clusters.MapDelete("/{name}", DestroyAsync).WithName("DestroyCluster").WithSummary("Destroy a cluster and every resource it has")
            .RequireAuthorization(Policies.ClustersWrite);
        clusters.MapGet("/{name}/operations", OperationsAsync).WithName("ListClusterOperations").WithSummary("List a cluster's operations, newest first");
        return api;
    }

    private static async Task<Results<Accepted<ClusterOperationView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateClusterRequest request, HttpContext http, ClusterCommands commands, CancellationToken cancellationToken) =>
        Enqueued(await commands.CreateAsync(await http.CallerAsync(), request, cancellationToken));

    private static async Task<Ok<ClusterListView>> ListAsync(
        HttpContext http, PortalDbContext db, [FromQuery] Data.ClusterStatus? status, [FromQuery] string? team, [FromQuery] string? q, CancellationToken cancellationToken)
    {
        var query = db.Clusters.AsNoTracking().VisibleTo(await http.CallerAsync());
        if (status is { } s) query = query.Where(c => c.Status == s);
        else query = query.Where(c => c.Status != Data.ClusterStatus.Destroyed);
        if (!string.IsNullOrWhiteSpace(team)) query = query.Where(c => c.Team == team);
        if (!string.IsNullOrWhiteSpace(q)) query = query.Where(c => c.Name.Contains(q));
        var rows = await query.OrderBy(c => c.Name).ThenBy(c => c.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(new ClusterListView(rows.Select(ClusterView.From).ToList()));
    }

    private static async Task<Results<Ok<ClusterView>, ProblemHttpResult>> GetAsync(string name, HttpContext http, PortalDbContext db, CancellationToken cancellationToken) =>
        await ClusterQueries.FindAsync(db, await http.CallerAsync(), name, cancellationToken) is { } cluster
            ? TypedResults.Ok(ClusterView.From(cluster))
            : ApiResults.NotFound($"No cluster named '{name}'.");

    private static async Task<Results<Accepted<ClusterOperationView>, ValidationProblem, ProblemHttpResult>> DestroyAsync(
        string name, HttpContext http, ClusterCommands commands, CancellationToken cancellationToken) =>
        Enqueued(await commands.DestroyAsync(await http.CallerAsync(), name, cancellationToken));

    private static async Task<Results<Ok<OperationListView>, ProblemHttpResult>> OperationsAsync(string name, HttpContext http, PortalDbContext db, CancellationToken cancellationToken)
    {
        if (await ClusterQueries.FindAsync(db, await http.CallerAsync(), name, cancellationToken) is not { } cluster) return ApiResults.NotFound($"No cluster named '{name}'.");
        var operations = await db.Operations.AsNoTracking().Where(o => o.ClusterId == cluster.Id)
            .OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(new OperationListView(operations.Select(o => OperationView.From(o, cluster.Name)).ToList()));
    }

    internal static Results<Accepted<ClusterOperationView>, ValidationProblem, ProblemHttpResult> Enqueued(CommandResult<ClusterOperationView> result) =>
        result.Status switch
        {
            CommandStatus.Ok => TypedResults.Accepted($"/api/v1/operations/{result.Value!.Operation.Id}", result.Value),
            CommandStatus.Invalid => ApiResults.Invalid(result.Errors!),
            CommandStatus.Conflict => ApiResults.Conflict(result),
            _ => ApiResults.NotFound(result.Message!),
        };
}

public sealed record ClusterListView(IReadOnlyList<ClusterView> Items);

public sealed record OperationListView(IReadOnlyList<OperationView> Items);
