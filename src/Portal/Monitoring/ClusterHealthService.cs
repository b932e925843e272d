using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Auditing;
using Portal.Clusters;
using Portal.Data;
using Portal.Identity;
using Provisioning.Health;

namespace Portal.Monitoring;

/// <summary>One entry of a cluster's health history.</summary>
public sealed record HealthHistoryEntry(DateTimeOffset CheckedAt, HealthStatus Status, string Trigger, bool StatusChanged, IReadOnlyList<string> FailingChecks);

/// <summary>Reads a cluster's Consul health and checks it on demand, for the pages and the API alike.</summary>
public sealed class ClusterHealthService(IDbContextFactory<PortalDbContext> dbFactory, ClusterHealthChecker checker, AuditLog audit)
{
    public const string CheckAction = "cluster.health.check";

    /// <summary>The latest check, or <c>unknown</c>; null when the caller may not see the cluster.</summary>
    public async Task<ClusterHealthView?> LatestAsync(Caller caller, string clusterName, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        caller = await caller.NowAsync(db, cancellationToken);
        if (await TeamVisibility.FindAsync(db, caller, clusterName, cancellationToken) is not { } cluster) return null;
        var latest = await db.ClusterHealthChecks.AsNoTracking().Where(c => c.ClusterId == cluster.Id)
            .OrderByDescending(c => c.CheckedAt).ThenByDescending(c => c.Id).FirstOrDefaultAsync(cancellationToken);
        return latest is null
            ? ClusterHealthView.Unknown(ExpectedWanMembers(cluster))
            : ClusterHealthView.From(latest.Report, latest.Trigger);
    }

    /// <summary>The checks older than <paramref name="before"/> (all when null), newest first; null when the caller may not see the cluster.</summary>
    public async Task<IReadOnlyList<HealthHistoryEntry>?> HistoryAsync(
        Caller caller, string clusterName, int take, DateTimeOffset? before, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        caller = await caller.NowAsync(db, cancellationToken);
        if (await TeamVisibility.FindAsync(db, caller, clusterName, cancellationToken) is not { } cluster) return null;
        var query = db.ClusterHealthChecks.AsNoTracking().Where(c => c.ClusterId == cluster.Id);
        if (before is { } b) query = query.Where(c => c.CheckedAt < b);
        var rows = await query.OrderByDescending(c => c.CheckedAt).ThenByDescending(c => c.Id).Take(take)
            .Select(c => new { c.CheckedAt, c.Status, c.Trigger, c.StatusChanged, c.Report }).ToListAsync(cancellationToken);
        return rows.Select(r => new HealthHistoryEntry(r.CheckedAt, r.Status, r.Trigger, r.StatusChanged,
            r.Report.Failing.Select(c => c.Name).ToList())).ToList();
    }

    /// <summary>Checks Consul now (one attempt), stores the result and returns it. Audited, like every action on a cluster.</summary>
    public async Task<CommandResult<ClusterHealthView>> CheckNowAsync(Caller caller, string clusterName, CancellationToken cancellationToken)
    {
        Cluster? cluster;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            caller = await caller.NowAsync(db, cancellationToken);
            cluster = await TeamVisibility.FindAsync(db, caller, clusterName, cancellationToken);
            if (cluster is null || cluster.Status == ClusterStatus.Destroyed)
            {
                await audit.WriteAsync(db, caller.Actor, AuditRecord.NotVisible(CheckAction, "cluster", clusterName), cancellationToken);
                return CommandResult<ClusterHealthView>.NotFound($"No cluster named '{clusterName}'.");
            }
            if (cluster.Status is not (ClusterStatus.Ready or ClusterStatus.Degraded))
                return CommandResult<ClusterHealthView>.Conflict(
                    $"Cluster '{clusterName}' is {cluster.Status.ToString().ToLowerInvariant()}: Consul is checked once the cluster is deployed (ready or degraded).");
            var active = await db.Operations.AsNoTracking().Where(o => o.ClusterId == cluster.Id && Operation.ActiveStates.Contains(o.State))
                .Select(o => new { o.Id, o.Kind }).FirstOrDefaultAsync(cancellationToken);
            if (active is not null)
                return CommandResult<ClusterHealthView>.Conflict(
                    $"Cluster '{clusterName}' is busy: {active.Kind.ToString().ToLowerInvariant()} operation {active.Id} holds it, and checks Consul itself when it ends.",
                    blocking: active.Id);
        }

        var health = await checker.CheckAsync(cluster, ClusterHealthRecorder.Manual, caller.Actor, cancellationToken);
        if (health is null)
            return CommandResult<ClusterHealthView>.Conflict($"Cluster '{clusterName}' runs on the {cluster.Engine} engine, which this portal is not configured to run.");
        await using (var db = await dbFactory.CreateDbContextAsync(CancellationToken.None))
            await audit.WriteAsync(db, caller.Actor, new AuditRecord(CheckAction, "cluster", cluster.Name, Team: cluster.Team,
                Details: new { status = health.Status, failing = health.Failing.Select(c => c.Name) }), CancellationToken.None);
        return CommandResult<ClusterHealthView>.Ok(ClusterHealthView.From(health, ClusterHealthRecorder.Manual));
    }

    private static int ExpectedWanMembers(Cluster cluster)
    {
        var spec = cluster.Spec;
        return spec.ServersPerAz * spec.AvailabilityZones.Count;
    }
}
