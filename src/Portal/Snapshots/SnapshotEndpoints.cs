using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Api;
using Portal.Clusters;
using Portal.Identity;

namespace Portal.Snapshots;

public static class SnapshotEndpoints
{
    public static RouteGroupBuilder MapSnapshots(this RouteGroupBuilder api)
    {
        var snapshots = api.MapGroup("/clusters/{name}/snapshots").WithTags("Snapshots").RequireAuthorization(Policies.ClustersRead);
        snapshots.MapGet("/", ListAsync).WithName("ListClusterSnapshots")
            .WithSummary("The Consul snapshots of the cluster's datacenters that its bucket keeps, newest first")
            .ProducesProblem(StatusCodes.Status404NotFound);
        snapshots.MapPost("/", TakeAsync).WithName("TakeClusterSnapshot")
            .WithSummary("Save a snapshot of each datacenter now (consul snapshot save on its leader); enqueues an operation")
            .RequireAuthorization(Policies.ClustersWrite).Idempotent()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        snapshots.MapPost("/{id}/restore", RestoreAsync).WithName("RestoreClusterSnapshot")
            .WithSummary("Restore a snapshot into its datacenter, replacing its KV; owners and admins; audited")
            .WithDescription("The body names the snapshot's datacenter, typed to confirm; another answers 422. Enqueues an operation; Consul is verified after.")
            .RequireAuthorization(Policies.ClustersWrite).Idempotent()
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return api;
    }

    private static async Task<Results<Ok<SnapshotListView>, ProblemHttpResult>> ListAsync(string name, Caller caller, SnapshotCommands snapshots, CancellationToken cancellationToken) =>
        await snapshots.ListAsync(caller, name, cancellationToken) is { } list ? TypedResults.Ok(list) : ApiResults.NotFound($"No cluster named '{name}'.");

    private static async Task<Results<Accepted<ClusterOperationView>, ValidationProblem, ProblemHttpResult>> TakeAsync(
        string name, Caller caller, SnapshotCommands snapshots, CancellationToken cancellationToken) =>
        ClusterEndpoints.Enqueued(await snapshots.TakeAsync(caller, name, cancellationToken));

    private static async Task<Results<Accepted<ClusterOperationView>, ValidationProblem, ProblemHttpResult>> RestoreAsync(
        string name, string id, RestoreSnapshotRequest request, Caller caller, SnapshotCommands snapshots, CancellationToken cancellationToken) =>
        ClusterRolloutEndpoints.OwnersOnly(await snapshots.RestoreAsync(caller, name, id, request, cancellationToken));
}
