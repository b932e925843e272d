using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Data;
using Portal.Identity;
using Provisioning.Clusters;

namespace Portal.Clusters;

/// <summary>Commands that change a running cluster's spec (update) or show what a spec would change (preview).</summary>
public sealed partial class ClusterCommands
{
    /// <summary>Enqueues an update to the changed spec; the worker applies the spec to the cluster when it succeeds.</summary>
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
        EnqueueChangeAsync(caller, name, OperationKind.Preview, "cluster.preview", change ?? new UpdateClusterRequest(), cancellationToken);

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
