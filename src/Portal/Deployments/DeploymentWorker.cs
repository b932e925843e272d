using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;

namespace Portal.Deployments;

/// <summary>
/// Claims queued operations (oldest first) and runs up to <see cref="DeploymentOptions.MaxConcurrency"/>
/// at once. Operations whose lease expired — their worker crashed or was killed — are queued
/// again with a visible "recovered" event, at startup and on every poll.
/// </summary>
internal sealed class DeploymentWorker(
    IDbContextFactory<PortalDbContext> dbFactory,
    OperationRunner runner,
    WorkSignal signal,
    IOptions<DeploymentOptions> options,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<DeploymentWorker> logger) : BackgroundService
{
    private readonly DeploymentOptions _options = options.Value;
    private readonly List<Task> _running = [];

    /// <summary>When the loop last completed a pass; health checks read it.</summary>
    public DateTimeOffset LastTick { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken hostStopping)
    {
        // The web server stops before this service (hosted services stop in reverse order) and may
        // wait for open connections until the shutdown timeout. Stopping at ApplicationStopping
        // instead means no claim after SIGTERM, and operations reach their safe point while the
        // server drains, within the same timeout.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(hostStopping, lifetime.ApplicationStopping);
        var stoppingToken = stopping.Token;
        logger.LogInformation("Deployment worker {WorkerId} started, running up to {MaxConcurrency} operations at once",
            _options.WorkerId, _options.MaxConcurrency);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _running.RemoveAll(t => t.IsCompleted);
                await RecoverExpiredLeasesAsync(stoppingToken);
                while (_running.Count < _options.MaxConcurrency && await ClaimNextAsync(stoppingToken) is { } claim)
                    _running.Add(runner.RunAsync(claim.OperationId, claim.LeaseToken, stoppingToken));
                LastTick = time.GetUtcNow();
                await signal.WaitAsync(_options.PollInterval, _running, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "The deployment worker loop failed; retrying");
                await Task.Delay(_options.PollInterval, time, CancellationToken.None);
            }
        }
        // Running operations see the same token, stop at a safe point and hand their lease back.
        await Task.WhenAll(_running);
    }

    /// <summary>
    /// Takes the oldest queued operation; the conditional update makes the claim atomic across workers.
    /// Each claim has its own lease token, so a run that lost its lease can never write over the run that took over.
    /// On PostgreSQL, replicas claim at once: the candidate is locked (<c>FOR UPDATE SKIP LOCKED</c>) until the claim
    /// commits, so each replica takes a different operation instead of racing for the same one.
    /// </summary>
    internal async Task<(Guid OperationId, string LeaseToken)?> ClaimNextAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var postgres = db.Database.IsNpgsql();
        for (var tries = 0; tries < 5; tries++)
        {
            await using var transaction = postgres ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
            var candidate = postgres
                ? await LockOldestQueuedAsync(db, cancellationToken)
                : await db.Operations.AsNoTracking()
                    .Where(o => o.State == OperationState.Queued)
                    .OrderBy(o => o.CreatedAt).ThenBy(o => o.Id)
                    .Select(o => (Guid?)o.Id)
                    .FirstOrDefaultAsync(cancellationToken);
            if (candidate is null) return null;

            var now = time.GetUtcNow();
            var leaseToken = $"{_options.WorkerId}/{Guid.NewGuid():N}";
            var claimed = await db.Operations
                .Where(o => o.Id == candidate && o.State == OperationState.Queued)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(o => o.State, OperationState.Running)
                    .SetProperty(o => o.LeaseOwner, leaseToken)
                    .SetProperty(o => o.LeaseExpiresAt, now + _options.LeaseDuration)
                    .SetProperty(o => o.Attempt, o => o.Attempt + 1)
                    .SetProperty(o => o.StartedAt, o => o.StartedAt ?? now), cancellationToken);
            if (transaction is not null) await transaction.CommitAsync(cancellationToken);
            if (claimed == 1) return (candidate.Value, leaseToken);
        }
        return null;
    }

    /// <summary>The oldest queued operation no other replica is claiming right now, locked until the transaction ends.</summary>
    private static async Task<Guid?> LockOldestQueuedAsync(PortalDbContext db, CancellationToken cancellationToken)
    {
        var ids = await db.Database.SqlQuery<Guid>($"""
            SELECT "Id" AS "Value" FROM "Operations"
            WHERE "State" = {nameof(OperationState.Queued)}
            ORDER BY "CreatedAt", "Id"
            LIMIT 1
            FOR UPDATE SKIP LOCKED
            """).ToListAsync(cancellationToken);
        return ids is [var id] ? id : null;
    }

    internal async Task RecoverExpiredLeasesAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        var expired = await db.Operations
            .Where(o => (o.State == OperationState.Running || o.State == OperationState.Cancelling) && o.LeaseExpiresAt < now)
            .ToListAsync(cancellationToken);
        foreach (var operation in expired)
        {
            var cancelling = operation.State == OperationState.Cancelling;
            var message = cancelling
                ? $"Recovered after restart: the worker {WorkerOf(operation.LeaseOwner)} stopped while cancelling; the operation is cancelled."
                : $"Recovered after restart: the worker {WorkerOf(operation.LeaseOwner)} stopped mid-operation; it is queued again and resumes where it was.";
            await OperationFinisher.RecoverAsync(db, operation, cancelling, message, now, cancellationToken);
            logger.LogWarning("Operation {OperationId} recovered from expired lease of {LeaseOwner}", operation.Id, operation.LeaseOwner);
            signal.Notify();
        }
    }

    private static string? WorkerOf(string? leaseToken) => leaseToken?.Split('/')[0];
}

/// <summary>Wakes the worker when work is enqueued, so it need not wait for the next poll.</summary>
public sealed class WorkSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Notify() => _channel.Writer.TryWrite(true);

    internal async Task WaitAsync(TimeSpan timeout, IReadOnlyCollection<Task> running, CancellationToken cancellationToken)
    {
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutCts.CancelAfter(timeout);
        var signalled = _channel.Reader.WaitToReadAsync(timeoutCts.Token).AsTask();
        // A finished operation frees a slot: look for more work at once.
        await Task.WhenAny([signalled, .. running]);
        await timeoutCts.CancelAsync();
        _channel.Reader.TryRead(out _);
        try { await signalled; } catch (OperationCanceledException) { }
        cancellationToken.ThrowIfCancellationRequested();
    }
}
