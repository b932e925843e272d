using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Auditing;
using Portal.Data;
using Provisioning.Health;

namespace Portal.Monitoring;

/// <summary>Tells open pages that a cluster's health was checked, so they read it again.</summary>
public sealed class HealthSignals
{
    public event Action<Guid>? Checked;

    internal void Raise(Guid clusterId) => Checked?.Invoke(clusterId);
}

/// <summary>
/// Stores a health check in the cluster's history and on the cluster itself. A change of health is
/// an audit entry in the same transaction, and moves a ready cluster to degraded and back.
/// </summary>
public sealed class ClusterHealthRecorder(
    IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, HealthSignals signals, IOptions<HealthOptions> options, TimeProvider time)
{
    public const string Verification = "verification", Schedule = "schedule", Manual = "manual", Drill = "drill";

    /// <param name="applyStatus">
    /// Whether the check may move the cluster between ready and degraded; an operation's own checks leave
    /// that to the operation's end, and no check touches a cluster an operation holds.
    /// </param>
    public async Task RecordAsync(Guid clusterId, ClusterHealth health, string trigger, AuditActor actor, bool applyStatus, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        await using (var scope = await audit.BeginAsync(db, cancellationToken))
        {
            var cluster = await db.Clusters.SingleAsync(c => c.Id == clusterId, cancellationToken);
            var previous = cluster.Health;
            var failing = health.Failing.Select(c => c.Name).ToList();
            db.ClusterHealthChecks.Add(new ClusterHealthCheck
            {
                ClusterId = clusterId,
                CheckedAt = health.CheckedAt,
                Status = health.Status,
                Trigger = trigger,
                StatusChanged = previous != health.Status,
                Report = health,
            });
            cluster.Health = health.Status;
            cluster.HealthCheckedAt = health.CheckedAt;
            cluster.FailingChecks = failing.Count == 0 ? null : failing;
            cluster.NextHealthCheckAt = now + options.Value.Interval;
            var held = await db.Operations.AnyAsync(o => o.ClusterId == clusterId && Operation.ActiveStates.Contains(o.State), cancellationToken);
            if (applyStatus && !held && cluster.Status is ClusterStatus.Ready or ClusterStatus.Degraded)
            {
                cluster.Status = health.Status == HealthStatus.Healthy ? ClusterStatus.Ready : ClusterStatus.Degraded;
                cluster.UpdatedAt = now;
            }
            if (previous != health.Status)
                scope.Add(actor, new AuditRecord("cluster.health.changed", "cluster", cluster.Name,
                    health.Status == HealthStatus.Healthy ? "success" : "failure", cluster.Team,
                    new { from = previous, to = health.Status, trigger, failing }));
            // The history is bounded: one check every few minutes adds up.
            var horizon = now - options.Value.HistoryRetention;
            await db.ClusterHealthChecks.Where(c => c.ClusterId == clusterId && c.CheckedAt < horizon).ExecuteDeleteAsync(cancellationToken);
            await scope.CommitAsync(cancellationToken);
        }
        signals.Raise(clusterId);
    }
}
