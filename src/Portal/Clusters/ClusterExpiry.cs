using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Data;
using Portal.Identity;
using Provisioning.Clusters;

namespace Portal.Clusters;

/// <summary>
/// Destroys clusters whose time to live has passed, as the portal itself (audited as "system"),
/// so short-lived test clusters do not keep costing money after everyone forgot them.
/// </summary>
internal sealed class ClusterExpiry(
    IDbContextFactory<PortalDbContext> dbFactory, ClusterCommands commands, TimeProvider time, ILogger<ClusterExpiry> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try { await DestroyExpiredAsync(stoppingToken); }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested) { logger.LogError(ex, "Looking for expired clusters failed"); }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    internal async Task DestroyExpiredAsync(CancellationToken cancellationToken)
    {
        List<(string Name, DateTimeOffset CreatedAt, ClusterSpec Spec)> candidates;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
            candidates = (await db.Clusters.AsNoTracking()
                    .Where(c => c.Status == ClusterStatus.Ready || c.Status == ClusterStatus.Degraded || c.Status == ClusterStatus.Failed)
                    .Select(c => new { c.Name, c.CreatedAt, c.Spec })
                    .ToListAsync(cancellationToken))
                .Select(c => (c.Name, c.CreatedAt, c.Spec)).ToList();

        var now = time.GetUtcNow();
        foreach (var (name, createdAt, spec) in candidates)
        {
            if (spec.TimeToLiveHours is not { } hours || createdAt.AddHours(hours) > now) continue;
            var result = await commands.DestroyAsync(Caller.Housekeeping, name, cancellationToken);
            if (result.Status == CommandStatus.Ok)
                logger.LogInformation("Cluster {Cluster} reached its time to live of {Hours} h; destroying it", name, hours);
        }
    }
}
