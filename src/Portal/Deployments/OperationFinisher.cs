using Microsoft.EntityFrameworkCore;
using Portal.Auditing;
using Portal.Data;
using Provisioning.Engines;
using Provisioning.Health;

namespace Portal.Deployments;

/// <summary>The state transitions of an operation and its cluster, each in one short transaction.</summary>
internal static class OperationFinisher
{
    public static async Task StartAsync(IDbContextFactory<PortalDbContext> dbFactory, Operation operation, int total, DateTimeOffset now)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        await db.Operations.Where(o => o.Id == operation.Id).ExecuteUpdateAsync(s => s.SetProperty(o => o.ProgressTotal, total));
        var status = operation.Kind switch
        {
            OperationKind.Create or OperationKind.Update or OperationKind.RolloutContinue or OperationKind.RolloutRollback => ClusterStatus.Provisioning,
            OperationKind.Destroy => ClusterStatus.Destroying,
            _ => (ClusterStatus?)null,
        };
        if (status is { } s)
            await db.Clusters.Where(c => c.Id == operation.ClusterId).ExecuteUpdateAsync(u => u
                .SetProperty(c => c.Status, s).SetProperty(c => c.UpdatedAt, now));
        operation.ProgressTotal = total;
    }

    /// <summary>
    /// Records how the run ended, with an audit entry by the portal itself in the same transaction.
    /// A run stopped by shutdown keeps state Running with an expired lease, so the next start resumes it.
    /// </summary>
    public static async Task<OperationState> FinishAsync(
        IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, Operation snapshot, DeploymentResult result, ClusterHealth? health,
        bool interruptedByShutdown, string leaseToken, DateTimeOffset now)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        await using var scope = await audit.BeginAsync(db);
        var operation = await db.Operations.Include(o => o.Cluster).SingleAsync(o => o.Id == snapshot.Id);
        if (operation.LeaseOwner != leaseToken) return operation.State; // another run took over; it decides

        if (interruptedByShutdown)
        {
            operation.LeaseExpiresAt = now;
        }
        else
        {
            operation.State = result.Outcome switch
            {
                DeploymentOutcome.Succeeded => OperationState.Succeeded,
                DeploymentOutcome.Cancelled => OperationState.Cancelled,
                _ => OperationState.Failed,
            };
            operation.Error = result.Outcome == DeploymentOutcome.Succeeded ? null : result.Error;
            operation.FailedResources = result.FailedResources is { Count: > 0 } failed ? failed : null;
            operation.FinishedAt = now;
            operation.LeaseOwner = null;
            operation.LeaseExpiresAt = null;
            // A destroy's total counted what might exist; a continued or rolled-back rollout's, every node it might replace.
            if (operation.Kind is (OperationKind.Destroy or OperationKind.RolloutContinue or OperationKind.RolloutRollback) && result.Outcome == DeploymentOutcome.Succeeded)
                operation.ProgressTotal = operation.ProgressDone;
            if (operation.Kind == OperationKind.Preview)
            {
                // A preview changes nothing: its findings are the operation's result, not the cluster's outputs.
                operation.ResultJson = result.Outputs?.ToJsonString();
                if (result.Outcome == DeploymentOutcome.Succeeded) operation.ProgressDone = operation.ProgressTotal;
            }
            else
            {
                if (result.Rollout is { } stop) operation.ResultJson = RolloutStopRecord.Of(stop, operation.Cluster.Spec, operation.Spec).ToJson();
                ApplyToCluster(operation, result, health, now);
            }
            scope.Add(AuditActor.System, new AuditRecord($"operation.{operation.State.ToString().ToLowerInvariant()}", "operation", operation.Id.ToString(),
                operation.State == OperationState.Succeeded ? "success" : "failure", operation.Cluster.Team,
                new { cluster = operation.Cluster.Name, kind = operation.Kind, operation.Attempt, operation.Zone, failedResources = result.FailedResources, error = operation.Error, health = health?.Status }));
        }
        await scope.CommitAsync();
        return operation.State;
    }

    private static void ApplyToCluster(Operation operation, DeploymentResult result, ClusterHealth? health, DateTimeOffset now)
    {
        var cluster = operation.Cluster;
        cluster.UpdatedAt = now;
        if (health is not null)
        {
            // The infrastructure is applied and Consul was asked: ready only when it says every check passes.
            cluster.Status = health.Status == HealthStatus.Healthy ? ClusterStatus.Ready : ClusterStatus.Degraded;
            // A stopped rollout keeps the spec it started from: rolling back returns to it, continuing goes on to the operation's.
            if (result.Rollout is null) cluster.Spec = operation.Spec;
            if (result.Outputs is not null) cluster.OutputsJson = result.Outputs.ToJsonString();
            if (operation.Kind == OperationKind.ZoneOutage) cluster.ZoneOutage = operation.Zone;
            if (operation.Kind == OperationKind.ZoneRestore) cluster.ZoneOutage = null;
            return;
        }
        switch (operation.Kind, result.Outcome)
        {
            case (OperationKind.Destroy, DeploymentOutcome.Succeeded):
                cluster.Status = ClusterStatus.Destroyed;
                cluster.OutputsJson = null;
                cluster.NextHealthCheckAt = null;
                break;
            case (OperationKind.Create or OperationKind.Update or OperationKind.RolloutContinue or OperationKind.RolloutRollback or OperationKind.Destroy, _):
                // Partly built or partly removed: the resources that exist are kept, and retry or destroy is offered.
                cluster.Status = ClusterStatus.Failed;
                break;
            // A drill or refresh that stopped before Consul was asked leaves the cluster as its last check saw it.
        }
    }

    /// <summary>Takes back an operation whose worker vanished: queued again, or cancelled if that was asked for.</summary>
    public static async Task RecoverAsync(PortalDbContext db, Operation operation, bool cancelling, string message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var updated = await db.Operations
            .Where(o => o.Id == operation.Id && o.State == operation.State && o.LeaseExpiresAt == operation.LeaseExpiresAt)
            .ExecuteUpdateAsync(s => s
                .SetProperty(o => o.State, cancelling ? OperationState.Cancelled : OperationState.Queued)
                .SetProperty(o => o.LeaseOwner, (string?)null)
                .SetProperty(o => o.LeaseExpiresAt, (DateTimeOffset?)null)
                .SetProperty(o => o.FinishedAt, cancelling ? now : null)
                .SetProperty(o => o.LastSequence, o => o.LastSequence + 1), cancellationToken);
        if (updated == 0) return; // someone else recovered it first
        // The run that lost the lease may have stored events since the operation was read: the number the update
        // reserved comes from the row, not from that read.
        var sequence = await db.Operations.Where(o => o.Id == operation.Id).Select(o => o.LastSequence).SingleAsync(cancellationToken);
        db.DeploymentEvents.Add(new DeploymentEvent
        {
            OperationId = operation.Id,
            Sequence = sequence,
            Timestamp = now,
            Type = EventTypes.Recovered,
            Message = message,
            Severity = "warning",
        });
        if (cancelling && operation.Kind is OperationKind.Create or OperationKind.Update or OperationKind.RolloutContinue or OperationKind.RolloutRollback or OperationKind.Destroy)
            await db.Clusters.Where(c => c.Id == operation.ClusterId && c.Status != ClusterStatus.Destroyed)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, ClusterStatus.Failed).SetProperty(c => c.UpdatedAt, now), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
