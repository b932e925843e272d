using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Deployments;

/// <summary>
/// Queue depth and the oldest queued operation's age, read from the database (the truth) at most
/// once a second however many gauges or exporters ask: two index-only queries on (State, CreatedAt).
/// </summary>
public sealed class QueueStatistics(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time, ILogger<QueueStatistics> logger)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;
    private (int Depth, double OldestAgeSeconds) _last;

    public (int Depth, double OldestAgeSeconds) Read()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (now - _readAt < MaxAge) return _last;
            _readAt = now;
            try
            {
                // Gauge callbacks are synchronous; the queries are tiny and run once per export.
                using var db = dbFactory.CreateDbContext();
                var queued = db.Operations.AsNoTracking().Where(o => o.State == OperationState.Queued);
                var depth = queued.Count();
                var oldest = queued.OrderBy(o => o.CreatedAt).Select(o => (DateTimeOffset?)o.CreatedAt).FirstOrDefault();
                _last = (depth, oldest is { } t ? Math.Max(0, (now - t).TotalSeconds) : 0);
            }
            catch (Exception ex)
            {
                // The readiness check reports a broken database; a metric export must not fail over it.
                logger.LogDebug(ex, "Reading the queue statistics failed");
            }
            return _last;
        }
    }
}
