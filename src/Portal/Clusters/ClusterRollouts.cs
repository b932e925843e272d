using System.ComponentModel;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Auditing;
using Portal.Data;
using Portal.Deployments;
using Portal.Identity;

namespace Portal.Clusters;

[JsonConverter(typeof(JsonStringEnumConverter<RolloutState>))]
public enum RolloutState
{
    /// <summary>No change of the cluster has run yet.</summary>
    None,
    Running,
    /// <summary>A health check failed after a replacement: continue or roll back.</summary>
    Stopped,
    /// <summary>The latest change ran to its end (or failed before any node was replaced).</summary>
    Finished,
}

/// <summary>The rolling upgrade of a cluster as its latest change left it.</summary>
[Description("Where the cluster's rolling Consul upgrade stands. When `state` is `stopped`, `reason` says why and continue or rollback is offered.")]
public sealed record RolloutView(
    [property: Description("none, running, stopped or finished.")] RolloutState State,
    [property: Description("The latest change (update, continue or roll back); null when none ran.")] Guid? OperationId,
    [property: Description("The Consul version the cluster ran before the rollout; null unless stopped.")] string? FromVersion,
    [property: Description("The Consul version the rollout goes to; null unless stopped.")] string? ToVersion,
    [property: Description("The datacenter where it stopped.")] string? Datacenter,
    [property: Description("The replacement whose health check failed.")] string? Node,
    [property: Description("The instance that replacement replaced.")] string? Replaced,
    [property: Description("Why it stopped: the failed check.")] string? Reason,
    DateTimeOffset? At);

/// <summary>
/// A rolling Consul upgrade that stopped on a failed health check, and the two ways on from there: continue to the
/// version it was rolling to (the failed replacement is replaced again first), or roll back to the cluster's version.
/// Each is an operation like an update; only the cluster's owners and admins may choose, and each choice is audited.
/// </summary>
public sealed class ClusterRollouts(IDbContextFactory<PortalDbContext> dbFactory, ClusterCommands commands, AuditLog audit)
{
    public const string ContinueAction = "cluster.rollout.continue", RollbackAction = "cluster.rollout.rollback";

    private static readonly OperationKind[] Changes = [OperationKind.Update, OperationKind.RolloutContinue, OperationKind.RolloutRollback];

    /// <summary>Null when there is no such cluster the caller may see.</summary>
    public async Task<RolloutView?> GetAsync(Caller caller, string name, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var cluster = await TeamVisibility.FindAsync(db, await caller.NowAsync(db, cancellationToken), name, cancellationToken);
        return cluster is null ? null : View(await LatestChangeAsync(db, cluster.Id, cancellationToken));
    }

    public Task<CommandResult<ClusterOperationView>> ContinueAsync(Caller caller, string name, CancellationToken cancellationToken) =>
        DecideAsync(caller, name, OperationKind.RolloutContinue, ContinueAction, "continue the stopped rollout", cancellationToken);

    public Task<CommandResult<ClusterOperationView>> RollBackAsync(Caller caller, string name, CancellationToken cancellationToken) =>
        DecideAsync(caller, name, OperationKind.RolloutRollback, RollbackAction, "roll back the stopped rollout", cancellationToken);

    private async Task<CommandResult<ClusterOperationView>> DecideAsync(
        Caller caller, string name, OperationKind kind, string action, string what, CancellationToken cancellationToken)
    {
        Provisioning.Clusters.ClusterSpec spec;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var (cluster, current, refusal) = await ClusterOwners.FindOwnedAsync<ClusterOperationView>(db, audit, caller, name, action, what, cancellationToken);
            if (refusal is not null) return refusal;
            caller = current;
            var latest = await LatestChangeAsync(db, cluster!.Id, cancellationToken);
            if (StopOf(latest) is null)
                return CommandResult<ClusterOperationView>.Conflict($"The rollout of cluster '{name}' is not stopped: there is nothing to {(kind == OperationKind.RolloutContinue ? "continue" : "roll back")}.");
            // A stopped rollout left the cluster's spec as it was before: rolling back deploys it again.
            spec = kind == OperationKind.RolloutContinue ? latest!.Spec : cluster.Spec;
        }
        // Two owners deciding at once: the one-operation-per-cluster rule lets one in, the other gets 409.
        return await commands.EnqueueAsync(caller, name, kind, action, _ => null, spec, zoneOf: null, cancellationToken);
    }

    private static Task<Operation?> LatestChangeAsync(PortalDbContext db, Guid clusterId, CancellationToken cancellationToken) =>
        db.Operations.AsNoTracking().Where(o => o.ClusterId == clusterId && Changes.Contains(o.Kind))
            .OrderByDescending(o => o.CreatedAt).FirstOrDefaultAsync(cancellationToken);

    private static RolloutStopRecord? StopOf(Operation? operation) =>
        operation is { State: OperationState.Failed } ? RolloutStopRecord.TryRead(operation.ResultJson) : null;

    private static RolloutView View(Operation? latest)
    {
        if (latest is null) return new(RolloutState.None, null, null, null, null, null, null, null, null);
        if (latest.IsActive) return new(RolloutState.Running, latest.Id, null, latest.Spec.ConsulVersion, null, null, null, null, latest.StartedAt ?? latest.CreatedAt);
        return StopOf(latest) is { } stop
            ? new(RolloutState.Stopped, latest.Id, stop.FromVersion, stop.ToVersion, stop.Datacenter, stop.Node, stop.Replaced, stop.Reason, latest.FinishedAt)
            : new(RolloutState.Finished, latest.Id, null, latest.Spec.ConsulVersion, null, null, null, null, latest.FinishedAt);
    }
}
