using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Data;
using Portal.Identity;

namespace Portal.Clusters;

/// <summary>Applying a reviewed change: the update a preview showed, and nothing else.</summary>
public sealed partial class ClusterCommands
{
    /// <summary>
    /// Enqueues an update to exactly the spec <paramref name="previewId"/> previewed. Refused with a conflict when it is not a
    /// finished preview, was applied already, or the cluster changed since (any operation other than a preview started on it
    /// after this one: an update, a drill, a refresh or a retry may each change what the diff was computed against); gone once
    /// the preview is older than <see cref="PreviewOptions.Lifetime"/>.
    /// </summary>
    /// <remarks>
    /// The cluster's ETag is not the version compared: it moves with every health check that changes the status, which
    /// changes nothing the preview computed, while the operations are what changes resources.
    /// </remarks>
    public async Task<CommandResult<ClusterOperationView>> ApplyPreviewAsync(Caller caller, Guid previewId, CancellationToken cancellationToken)
    {
        const string action = "operation.apply";
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        caller = await caller.NowAsync(db, cancellationToken);
        var preview = await db.Operations.AsNoTracking().Include(o => o.Cluster).SingleOrDefaultAsync(o => o.Id == previewId, cancellationToken);
        if (preview is null || !caller.CanSee(preview.Cluster.Team))
            return await DeniedAsync<ClusterOperationView>(db, caller, action, "operation", previewId.ToString(), $"No operation {previewId}.", cancellationToken);
        if (Unappliable(preview) is { } refusal) return CommandResult<ClusterOperationView>.Conflict(refusal);
        if (await db.Operations.AsNoTracking().FirstOrDefaultAsync(o => o.PreviewOfId == previewId, cancellationToken) is { } applied)
            return AlreadyApplied(preview, applied.Id);
        var age = time.GetUtcNow() - (preview.FinishedAt ?? preview.CreatedAt);
        if (age > previews.Value.Lifetime)
            return CommandResult<ClusterOperationView>.Gone(
                $"Preview {previewId} is {Math.Floor(age.TotalMinutes)} minutes old; previews can be applied for {previews.Value.Lifetime.TotalMinutes} minutes. Review the change again.");
        var since = await db.Operations.AsNoTracking()
            .Where(o => o.ClusterId == preview.ClusterId && o.Kind != OperationKind.Preview && o.CreatedAt > preview.CreatedAt)
            .OrderBy(o => o.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        if (since is not null)
            return CommandResult<ClusterOperationView>.Conflict(
                $"Cluster '{preview.Cluster.Name}' changed since preview {previewId}: {since.Kind.ToString().ToLowerInvariant()} operation {since.Id} ran after it. Review the change again.",
                blocking: since.Id);
        if (DuringZoneOutage(preview.Cluster) is { } outage) return outage;
        var result = await EnqueueOnAsync(db, caller, preview.Cluster, OperationKind.Update, action, preview.Spec, null, cancellationToken, previewOf: previewId);
        // Two applies raced: the unique index let one enqueue, and the other is told which.
        if (result.Status == CommandStatus.Conflict && await db.Operations.AsNoTracking().FirstOrDefaultAsync(o => o.PreviewOfId == previewId, cancellationToken) is { } winner)
            return AlreadyApplied(preview, winner.Id);
        return result;
    }

    private static string? Unappliable(Operation preview) => preview switch
    {
        { Kind: not OperationKind.Preview } => $"Operation {preview.Id} is a {preview.Kind.ToString().ToLowerInvariant()}, not a preview: only a preview can be applied.",
        { State: not OperationState.Succeeded } => $"Preview {preview.Id} is {preview.State.ToString().ToLowerInvariant()}: only a preview that succeeded can be applied.",
        { Cluster.Status: ClusterStatus.Destroyed or ClusterStatus.Destroying } => $"Cluster '{preview.Cluster.Name}' is destroyed: its preview can no longer be applied.",
        _ => null,
    };

    private static CommandResult<ClusterOperationView> AlreadyApplied(Operation preview, Guid update) =>
        CommandResult<ClusterOperationView>.Conflict($"Preview {preview.Id} was applied already, by update {update}.", blocking: update);
}
