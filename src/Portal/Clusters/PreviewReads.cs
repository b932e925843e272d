using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Deployments;
using Portal.Identity;
using Provisioning.Engines;

namespace Portal.Clusters;

/// <summary>A preview as the review step shows it: the operation, and once it has succeeded what it found.</summary>
public sealed record PreviewView(OperationView Operation, PreviewResult? Result);

/// <summary>The reads of the Change dialog's review step: a preview, followed until it has finished.</summary>
public sealed class PreviewReads(IDbContextFactory<PortalDbContext> dbFactory, OperationBroadcaster broadcaster, TimeProvider time)
{
    /// <summary>The preview once it has finished (succeeded, failed or cancelled); null when it is not the caller's to see, or not a preview.</summary>
    public async Task<PreviewView?> FinishedAsync(Caller caller, Guid previewId, CancellationToken cancellationToken)
    {
        using var updates = broadcaster.Subscribe(previewId);
        while (true)
        {
            var preview = await FindAsync(caller, previewId, cancellationToken);
            if (preview is null || preview.Operation.State is not (OperationState.Queued or OperationState.Running or OperationState.Cancelling)) return preview;
            // Woken by the preview's next update, and each second anyway: another process finishing it publishes nothing here.
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1), time);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(wait.Token, cancellationToken);
            try { await updates.Reader.ReadAsync(either.Token); }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { }
        }
    }

    private async Task<PreviewView?> FindAsync(Caller caller, Guid previewId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var preview = await db.Operations.AsNoTracking().Include(o => o.Cluster)
            .SingleOrDefaultAsync(o => o.Id == previewId && o.Kind == OperationKind.Preview, cancellationToken);
        if (preview is null || !caller.CanSee(preview.Cluster.Team)) return null;
        var result = preview is { State: OperationState.Succeeded, ResultJson: { } json } ? JsonSerializer.Deserialize<PreviewResult>(json, JsonSerializerOptions.Web) : null;
        return new PreviewView(OperationView.From(preview, preview.Cluster.Name), result);
    }
}
