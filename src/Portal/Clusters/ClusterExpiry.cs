using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Auditing;
using Portal.Data;
using Portal.Identity;

namespace Portal.Clusters;

/// <summary>
/// Keeps the time-to-live promise, as the portal itself (audited as "system"): reminds a cluster's team a day and an hour
/// before it expires, then destroys it, so short-lived test clusters do not keep costing money after everyone forgot them
/// and nobody loses one without warning.
/// </summary>
internal sealed class ClusterExpiry(
    IDbContextFactory<PortalDbContext> dbFactory, ClusterCommands commands, AuditLog audit, TimeProvider time, ILogger<ClusterExpiry> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    /// <summary>How long before the expiry each reminder is raised, the nearest first.</summary>
    internal static readonly (string Kind, TimeSpan Before)[] Reminders =
        [(ExpiryReminders.HourBefore, TimeSpan.FromHours(1)), (ExpiryReminders.DayBefore, TimeSpan.FromHours(24))];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await RemindAsync(stoppingToken);
                await DestroyExpiredAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested) { logger.LogError(ex, "Looking for expiring clusters failed"); }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>
    /// Raises, for each live cluster that expires within a day, the reminder it is due (the hour's within the last hour, else the
    /// day's), once per expiry: a pass that finds it raised, or loses the race to raise it (the unique index), does nothing.
    /// </summary>
    internal async Task RemindAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var horizon = now + Reminders[^1].Before;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var expiring = await db.Clusters.AsNoTracking()
            .Where(c => c.Status != ClusterStatus.Destroyed && c.Status != ClusterStatus.Destroying && c.ExpiresAt > now && c.ExpiresAt <= horizon)
            .Select(c => new { c.Id, c.Name, c.Team, ExpiresAt = (DateTimeOffset)c.ExpiresAt! })
            .ToListAsync(cancellationToken);
        foreach (var cluster in expiring)
        {
            var kind = Reminders.First(r => cluster.ExpiresAt - now <= r.Before).Kind;
            if (await db.ExpiryReminders.AnyAsync(r => r.ClusterId == cluster.Id && r.Kind == kind && r.ExpiresAt == cluster.ExpiresAt, cancellationToken)) continue;
            try
            {
                await using var scope = await audit.BeginAsync(db, cancellationToken);
                db.ExpiryReminders.Add(new ExpiryReminder { ClusterId = cluster.Id, Kind = kind, ExpiresAt = cluster.ExpiresAt, RaisedAt = now });
                scope.Add(Caller.Housekeeping.Actor, new AuditRecord("cluster.expiry.reminder", "cluster", cluster.Name, Team: cluster.Team,
                    Details: new { reminder = kind, expiresAt = cluster.ExpiresAt }));
                await scope.CommitAsync(cancellationToken);
                logger.LogInformation("Cluster {Cluster} expires at {ExpiresAt}; reminded team {Team} ({Reminder} before)", cluster.Name, cluster.ExpiresAt, cluster.Team, kind);
            }
            catch (DbUpdateException ex) when (ex.IsUniqueViolation())
            {
                db.ChangeTracker.Clear(); // raised by another pass in the meantime
            }
        }
    }

    internal async Task DestroyExpiredAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        List<string> expired;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
            expired = await db.Clusters.AsNoTracking()
                .Where(c => c.Status == ClusterStatus.Ready || c.Status == ClusterStatus.Degraded || c.Status == ClusterStatus.Failed)
                .Where(c => c.ExpiresAt <= now)
                .Select(c => c.Name)
                .ToListAsync(cancellationToken);

        foreach (var name in expired)
        {
            var result = await commands.DestroyAsync(Caller.Housekeeping, name, cancellationToken);
            if (result.Status == CommandStatus.Ok)
                logger.LogInformation("Cluster {Cluster} reached its time to live; destroying it", name);
        }
    }
}
