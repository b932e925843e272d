using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Provisioning.Engines;
using Provisioning.Security;

namespace Portal.Deployments;

/// <summary>
/// Stores an operation's events in small batches, numbering them gap-free, keeps the operation's
/// progress counts in step, and then publishes each stored batch, so that followers in this process get it from
/// memory instead of reading it back. Engines emit without waiting for the database; <see cref="CompleteAsync"/> flushes the rest.
/// </summary>
internal sealed class OperationEventSink : IDeploymentEventSink
{
    /// <summary>Events stored per transaction at most; bench/ measures what batching buys.</summary>
    public const int DefaultMaxBatch = 100;

    private readonly int _maxBatch;

    private readonly Operation _operation;
    private readonly string _leaseToken;
    private readonly IDbContextFactory<PortalDbContext> _dbFactory;
    private readonly OperationBroadcaster _broadcaster;
    private readonly PortalTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<string> _secrets;
    private readonly Channel<EngineEvent> _pending = Channel.CreateUnbounded<EngineEvent>(new() { SingleReader = true });
    private readonly HashSet<string> _done;
    private readonly HashSet<string> _failed;
    private readonly Task _writer;
    private int _sequence;
    private bool _fenced;

    public OperationEventSink(
        Operation operation, string leaseToken, ResourceProgress progress, IReadOnlyList<string> secrets,
        IDbContextFactory<PortalDbContext> dbFactory, OperationBroadcaster broadcaster, PortalTelemetry telemetry, TimeProvider time, ILogger logger,
        int maxBatch = DefaultMaxBatch)
    {
        _maxBatch = maxBatch;
        _operation = operation;
        _leaseToken = leaseToken;
        _sequence = operation.LastSequence;
        _done = progress.Done;
        _failed = progress.Failed;
        _secrets = secrets.Where(s => s.Length > 0).ToList();
        _dbFactory = dbFactory;
        _broadcaster = broadcaster;
        _telemetry = telemetry;
        _time = time;
        _logger = logger;
        _writer = Task.Run(WriteLoopAsync);
    }

    public ValueTask EmitAsync(EngineEvent engineEvent, CancellationToken cancellationToken = default)
    {
        if (!_pending.Writer.TryWrite(engineEvent))
            throw new InvalidOperationException("The operation's event stream is already complete.");
        return ValueTask.CompletedTask;
    }

    /// <summary>Stores everything emitted so far; afterwards nothing more can be emitted.</summary>
    public Task CompleteAsync()
    {
        _pending.Writer.TryComplete();
        return _writer;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<EngineEvent>(_maxBatch);
        while (await _pending.Reader.WaitToReadAsync())
        {
            while (batch.Count < _maxBatch && _pending.Reader.TryRead(out var next)) batch.Add(next);
            await WriteAsync(batch);
            batch.Clear();
        }
    }

    private async Task WriteAsync(List<EngineEvent> batch)
    {
        if (_fenced) return;
        var now = _time.GetUtcNow();
        var rows = batch.Select(e => ToRow(e, ++_sequence, now)).ToList();
        foreach (var e in batch.Where(e => e.Resource is not null))
        {
            if (e.Type == EngineEventType.ResourceSucceeded) { _done.Add(e.Resource!.Name); _failed.Remove(e.Resource.Name); }
            if (e.Type == EngineEventType.ResourceFailed) _failed.Add(e.Resource!.Name);
        }
        int done = _done.Count, failed = _failed.Count, last = _sequence;

        // The database is the truth: a failed write is retried, never skipped, so sequences stay gap-free.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var db = await _dbFactory.CreateDbContextAsync();
                await using var transaction = await db.Database.BeginTransactionAsync();
                // Fenced on the lease: a run that lost its operation to another must not write into its history.
                var owned = await db.Operations.Where(o => o.Id == _operation.Id && o.LeaseOwner == _leaseToken).ExecuteUpdateAsync(s => s
                    .SetProperty(o => o.LastSequence, last)
                    .SetProperty(o => o.ProgressDone, done)
                    .SetProperty(o => o.ProgressFailed, failed));
                if (owned == 0)
                {
                    _fenced = true;
                    _logger.LogWarning("Operation {OperationId} is no longer leased by this run; {Count} events dropped", _operation.Id, rows.Count);
                    return;
                }
                db.DeploymentEvents.AddRange(rows);
                await db.SaveChangesAsync();
                await transaction.CommitAsync();
                break;
            }
            catch (Exception ex) when (attempt < 10 && ex is DbUpdateException or Microsoft.Data.Sqlite.SqliteException or Npgsql.NpgsqlException { IsTransient: true })
            {
                _logger.LogWarning(ex, "Storing {Count} events failed (attempt {Attempt}); retrying", rows.Count, attempt);
                foreach (var row in rows) row.Id = 0;
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
            }
        }
        _telemetry.EventsWritten(rows.Count);
        _operation.LastSequence = last;
        _operation.ProgressDone = done;
        _operation.ProgressFailed = failed;
        // Only once committed: a follower may deliver what it is given at once, so it must be what the database holds.
        _broadcaster.Publish(new OperationUpdate(_operation.Id, _operation.ClusterId)
        {
            Stored = new StoredBatch(rows.Select(EventView.From).ToList(), done, failed),
        });
    }

    private DeploymentEvent ToRow(EngineEvent e, int sequence, DateTimeOffset now) => new()
    {
        OperationId = _operation.Id,
        Sequence = sequence,
        Timestamp = now,
        Type = EventTypes.Of(e.Type),
        ResourceName = e.Resource?.Name,
        ResourceType = e.Resource?.Type,
        ResourceOp = e.Resource?.Op,
        // A last line of defence: engines must not report secrets, and if one ever does it is not stored.
        Message = EventText.Clean(SecretRedaction.Redact(e.Message, _secrets)),
        Severity = EventTypes.Of(e.Severity),
    };
}

/// <summary>Which resources an operation has completed or failed so far, rebuilt from its stored events on resume.</summary>
internal sealed record ResourceProgress(HashSet<string> Done, HashSet<string> Failed)
{
    public static async Task<ResourceProgress> LoadAsync(PortalDbContext db, Guid operationId, CancellationToken cancellationToken)
    {
        var events = await db.DeploymentEvents.AsNoTracking()
            .Where(e => e.OperationId == operationId && e.ResourceName != null
                && (e.Type == EventTypes.ResourceSucceeded || e.Type == EventTypes.ResourceFailed))
            .OrderBy(e => e.Sequence)
            .Select(e => new { e.Type, e.ResourceName })
            .ToListAsync(cancellationToken);
        var progress = new ResourceProgress([], []);
        foreach (var e in events)
        {
            if (e.Type == EventTypes.ResourceSucceeded) { progress.Done.Add(e.ResourceName!); progress.Failed.Remove(e.ResourceName!); }
            else progress.Failed.Add(e.ResourceName!);
        }
        return progress;
    }
}
