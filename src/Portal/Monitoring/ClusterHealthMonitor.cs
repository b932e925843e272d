using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Auditing;
using Portal.Data;

namespace Portal.Monitoring;

/// <summary>
/// Checks every ready or degraded cluster again once its <see cref="Cluster.NextHealthCheckAt"/> is due
/// (<see cref="HealthOptions.Interval"/> after its last check). A check is claimed by moving that time
/// forward with a conditional update, so several portal processes never check one cluster twice.
/// </summary>
internal sealed class ClusterHealthMonitor(
    IDbContextFactory<PortalDbContext> dbFactory,
    ClusterHealthChecker checker,
    IOptions<HealthOptions> options,
    TimeProvider time,
    ILogger<ClusterHealthMonitor> logger) : BackgroundService
{
    /// <summary>Clusters checked at once: each check waits on Run Command round trips, not on this machine.</summary>
    private const int Parallelism = 4, BatchSize = 20;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var tick = settings.Interval < TimeSpan.FromSeconds(30) ? settings.Interval / 2 : TimeSpan.FromSeconds(15);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var claimed = await ClaimDueAsync(stoppingToken);
                await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = stoppingToken },
                    async (cluster, token) =>
                    {
                        try
                        {
                            await checker.CheckAsync(cluster, ClusterHealthRecorder.Schedule, AuditActor.System, token);
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException)
                        {
                            logger.LogWarning(ex, "The scheduled health check of {Cluster} failed; it is tried again at the next interval", cluster.Name);
                        }
                    });
                if (claimed.Count == BatchSize) continue; // more are due
                await Task.Delay(tick, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "The health monitor loop failed; retrying");
                await Task.Delay(tick, time, CancellationToken.None);
            }
        }
    }

    internal async Task<IReadOnlyList<Cluster>> ClaimDueAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        var due = await db.Clusters.AsNoTracking()
            .Where(c => (c.Status == ClusterStatus.Ready || c.Status == ClusterStatus.Degraded)
                && (c.NextHealthCheckAt == null || c.NextHealthCheckAt <= now)
                && !db.Operations.Any(o => o.ClusterId == c.Id && Operation.ActiveStates.Contains(o.State)))
            .OrderBy(c => c.NextHealthCheckAt).Take(BatchSize).ToListAsync(cancellationToken);
        var claimed = new List<Cluster>();
        var next = now + options.Value.Interval;
        foreach (var cluster in due)
        {
            var observed = cluster.NextHealthCheckAt;
            if (await db.Clusters.Where(c => c.Id == cluster.Id && c.NextHealthCheckAt == observed)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.NextHealthCheckAt, next), cancellationToken) == 1)
                claimed.Add(cluster);
        }
        return claimed;
    }
}
