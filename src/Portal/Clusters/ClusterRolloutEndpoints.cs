using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Api;
using Portal.Identity;

namespace Portal.Clusters;

/// <summary>The rolling upgrade's state and the two ways on from a stop, beside the cluster they steer.</summary>
public static class ClusterRolloutEndpoints
{
    public static RouteGroupBuilder MapClusterRollouts(this RouteGroupBuilder api)
    {
        var rollout = api.MapGroup("/clusters/{name}/rollout").WithTags("Clusters").RequireAuthorization(Policies.ClustersRead);
        rollout.MapGet("/", GetAsync).WithName("GetClusterRollout")
            .WithSummary("Where the cluster's rolling Consul upgrade stands: running, stopped (with the reason) or finished")
            .ProducesProblem(StatusCodes.Status404NotFound);
        rollout.MapPost("/continue", ContinueAsync).WithName("ContinueClusterRollout")
            .WithSummary("Continue a stopped rollout: the failed replacement is replaced again, then the rest; owners and admins; audited")
            .RequireAuthorization(Policies.ClustersWrite).Idempotent()
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        rollout.MapPost("/rollback", RollBackAsync).WithName("RollBackClusterRollout")
            .WithSummary("Roll a stopped rollout back: every node already replaced goes back to the cluster's version; owners and admins; audited")
            .RequireAuthorization(Policies.ClustersWrite).Idempotent()
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    private static async Task<Results<Ok<RolloutView>, ProblemHttpResult>> GetAsync(string name, Caller caller, ClusterRollouts rollouts, CancellationToken cancellationToken) =>
        await rollouts.GetAsync(caller, name, cancellationToken) is { } view ? TypedResults.Ok(view) : ApiResults.NotFound($"No cluster named '{name}'.");

    private static async Task<Results<Accepted<ClusterOperationView>, ValidationProblem, ProblemHttpResult>> ContinueAsync(
        string name, Caller caller, ClusterRollouts rollouts, CancellationToken cancellationToken) =>
        OwnersOnly(await rollouts.ContinueAsync(caller, name, cancellationToken));

    private static async Task<Results<Accepted<ClusterOperationView>, ValidationProblem, ProblemHttpResult>> RollBackAsync(
        string name, Caller caller, ClusterRollouts rollouts, CancellationToken cancellationToken) =>
        OwnersOnly(await rollouts.RollBackAsync(caller, name, cancellationToken));

    /// <summary>As <see cref="ClusterEndpoints.Enqueued"/>, and a refused owner-only command answers 403.</summary>
    internal static Results<Accepted<ClusterOperationView>, ValidationProblem, ProblemHttpResult> OwnersOnly(CommandResult<ClusterOperationView> result) =>
        result.Status == CommandStatus.Forbidden ? ApiResults.Forbidden(result.Message!) : ClusterEndpoints.Enqueued(result);
}
