using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Auditing;
using Portal.Data;
using Portal.Identity;
using Provisioning.Clusters;

namespace Portal.Clusters;

/// <summary>Commands that change a running cluster's spec (update) or show what a spec would change (preview).</summary>
public sealed partial class ClusterCommands
{
    /// <summary>
    /// Enqueues an update to the changed spec; the worker applies the spec to the cluster when it succeeds. A time to live sent
    /// with it is validated with the rest and set once the update is enqueued (<see cref="SetTimeToLiveAsync"/>).
    /// </summary>
    public async Task<CommandResult<ClusterOperationView>> UpdateAsync(Caller caller, string name, UpdateClusterRequest change, CancellationToken cancellationToken)
    {
        if (change.IsEmpty)
            return CommandResult<ClusterOperationView>.Invalid(new Dictionary<string, string[]>
            {
                ["clientCount"] = ["Send clientCount, consulVersion or both."],
                ["consulVersion"] = ["Send clientCount, consulVersion or both."],
            });
        return await EnqueueChangeAsync(caller, name, OperationKind.Update, "cluster.update", change, cancellationToken);
    }

    /// <summary>Enqueues a preview of the cluster's spec, or of a change to it; nothing is changed.</summary>
    public Task<CommandResult<ClusterOperationView>> PreviewAsync(Caller caller, string name, UpdateClusterRequest? change, CancellationToken cancellationToken) =>
        change?.TimeToLiveHours is not null
            ? Task.FromResult(CommandResult<ClusterOperationView>.Invalid(new Dictionary<string, string[]>
            {
                ["timeToLiveHours"] = ["A preview shows what changes in the cluster's resources, and the time to live changes none: PATCH it directly, it needs no review."],
            }))
            : EnqueueChangeAsync(caller, name, OperationKind.Preview, "cluster.preview", change ?? new UpdateClusterRequest(), cancellationToken);

    /// <summary>
    /// Sets when the portal destroys the cluster: <paramref name="hours"/> from now, whether that is sooner or later than before.
    /// No resource changes, so no operation runs; the row's version (its ETag) moves.
    /// </summary>
    public async Task<CommandResult<ClusterView>> SetTimeToLiveAsync(Caller caller, string name, int hours, CancellationToken cancellationToken)
    {
        if (ClusterSpecValidator.TimeToLiveError(hours) is { } error)
            return CommandResult<ClusterView>.Invalid(new Dictionary<string, string[]> { ["timeToLiveHours"] = [error] });
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        caller = await caller.NowAsync(db, cancellationToken);
        var cluster = await TeamVisibility.FindAsync(db, caller, name, cancellationToken);
        if (cluster is null || cluster.Status == ClusterStatus.Destroyed)
            return await DeniedAsync<ClusterView>(db, caller, "cluster.expiry.set", "cluster", name, $"No cluster named '{name}'.", cancellationToken);
        if (cluster.Status == ClusterStatus.Destroying)
            return CommandResult<ClusterView>.Conflict($"Cluster '{name}' is being destroyed: there is no time left to extend.");
        var now = time.GetUtcNow();
        var previous = cluster.ExpiresAt;
        cluster.ExpiresAt = now.AddHours(hours);
        cluster.UpdatedAt = now;
        await using (var scope = await audit.BeginAsync(db, cancellationToken))
        {
            scope.Add(caller.Actor, new AuditRecord("cluster.expiry.set", "cluster", cluster.Name, Team: cluster.Team,
                Details: new { timeToLiveHours = hours, expiresAt = cluster.ExpiresAt, previous }));
            await scope.CommitAsync(cancellationToken);
        }
        return CommandResult<ClusterView>.Ok(ClusterView.From(cluster));
    }

    private async Task<CommandResult<ClusterOperationView>> EnqueueChangeAsync(
        Caller caller, string name, OperationKind kind, string action, UpdateClusterRequest change, CancellationToken cancellationToken)
    {
        ClusterSpec current;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            caller = await caller.NowAsync(db, cancellationToken);
            var cluster = await TeamVisibility.FindAsync(db, caller, name, cancellationToken);
            if (cluster is null || cluster.Status == ClusterStatus.Destroyed)
                return await DeniedAsync<ClusterOperationView>(db, caller, action, "cluster", name, $"No cluster named '{name}'.", cancellationToken);
            current = cluster.Spec;
        }
        var validation = validator.ValidateChange(current, change);
        if (validation.Spec is null) return CommandResult<ClusterOperationView>.Invalid(validation.Errors);
        return await EnqueueAsync(caller, name, kind, action, kind == OperationKind.Update ? DuringZoneOutage : _ => null, validation.Spec, zoneOf: null, cancellationToken);
    }

    /// <summary>A change while a drill holds a zone down would launch instances into a zone that does not answer.</summary>
    private static CommandResult<ClusterOperationView>? DuringZoneOutage(Cluster cluster) => cluster.ZoneOutage is { } zone
        ? CommandResult<ClusterOperationView>.Conflict($"Zone {zone} of cluster '{cluster.Name}' is down in a drill: restore it before changing the cluster.")
        : null;
}
