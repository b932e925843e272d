using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Auditing;
using Portal.Data;
using Portal.Identity;

namespace Portal.Deployments;

/// <summary>
/// What may be done to an operation itself, for the pages and the API alike; what enqueues work on a
/// cluster (create, change, destroy, refresh, retry) is the Clusters feature's. Like every command it
/// reads the caller as they are at that moment and records the attempt.
/// </summary>
public sealed class OperationCommands(IDbContextFactory<PortalDbContext> dbFactory, OperationBroadcaster broadcaster, AuditLog audit, TimeProvider time)
{
    /// <summary>Asks a queued or running operation to stop. A queued one stops at once; a running one at its next safe point.</summary>
    public async Task<CommandResult<OperationView>> CancelAsync(Caller caller, Guid operationId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        caller = await caller.NowAsync(db, cancellationToken);
        var operation = await db.Operations.Include(o => o.Cluster).SingleOrDefaultAsync(o => o.Id == operationId, cancellationToken);
        if (operation is null || !caller.CanSee(operation.Cluster.Team))
            return await NotFoundAsync(db, caller, operationId, "operation.cancel", cancellationToken);
        if (operation.Cluster.Status == ClusterStatus.Destroyed)
            return CommandResult<OperationView>.Conflict(OfDestroyedCluster(operation, "cancelled"));
        if (!operation.IsActive)
            return CommandResult<OperationView>.Conflict($"The operation already ended: it {operation.State.ToString().ToLowerInvariant()}.");

        await using (var scope = await audit.BeginAsync(db, cancellationToken))
        {
            var now = time.GetUtcNow();
            // Conditional updates: the worker may move the state at the same moment.
            await db.Operations.Where(o => o.Id == operationId && o.State == OperationState.Queued)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.State, OperationState.Cancelled).SetProperty(o => o.FinishedAt, now), cancellationToken);
            await db.Operations.Where(o => o.Id == operationId && o.State == OperationState.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.State, OperationState.Cancelling), cancellationToken);
            scope.Add(caller.Actor, new AuditRecord("operation.cancel", "operation", operationId.ToString(), Team: operation.Cluster.Team,
                Details: new { cluster = operation.Cluster.Name, kind = operation.Kind }));
            await scope.CommitAsync(cancellationToken);
        }
        await db.Entry(operation).ReloadAsync(cancellationToken);
        broadcaster.Publish(new OperationUpdate(operation.Id, operation.ClusterId, operation.State));
        return CommandResult<OperationView>.Ok(OperationView.From(operation, operation.Cluster.Name));
    }

    internal static string OfDestroyedCluster(Operation operation, string verb) =>
        $"Operation {operation.Id} belongs to cluster '{operation.Cluster.Name}', which was destroyed: it cannot be {verb}. "
        + "A cluster now holding that name is another cluster.";

    /// <summary>Not found, or not the caller's to see: the answer is the same, and the attempt is recorded.</summary>
    private async Task<CommandResult<OperationView>> NotFoundAsync(PortalDbContext db, Caller caller, Guid operationId, string action, CancellationToken cancellationToken)
    {
        await audit.WriteAsync(db, caller.Actor, AuditRecord.NotVisible(action, "operation", operationId.ToString()), cancellationToken);
        return CommandResult<OperationView>.NotFound($"No operation {operationId}.");
    }
}
