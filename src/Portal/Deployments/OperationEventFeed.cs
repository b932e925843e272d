using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Deployments;

/// <summary>
/// The one way to follow an operation, for the event stream and the live page alike: its events after a cursor,
/// the stored ones, then live ones as they are stored. It subscribes before reading the database and reads on
/// after the last sequence it delivered, so a follower sees every event once, in order, also across reconnects.
/// Live batches come from memory, as the sink published them; the database is read only at the start (a reconnect
/// resumes from its sequence), on a gap (a batch that does not follow on, or a buffer that overflowed), on a change
/// of state, and on a quiet wake-up, which is how events another process stored (a recovery) are found.
/// </summary>
public sealed class OperationEventFeed(IDbContextFactory<PortalDbContext> dbFactory, OperationBroadcaster broadcaster)
{
    private const int PageSize = 1000;

    /// <summary>How long a follower waits for this process to publish before it looks in the database itself.</summary>
    internal TimeSpan IdlePoll { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Updates one follower may have waiting (see <see cref="OperationBroadcaster.DefaultCapacity"/>); tests make it small.</summary>
    internal int BufferCapacity { get; init; } = OperationBroadcaster.DefaultCapacity;

    public async Task<IReadOnlyList<EventView>> PageAsync(Guid operationId, int after, int limit, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.DeploymentEvents.AsNoTracking()
            .Where(e => e.OperationId == operationId && e.Sequence > after)
            .OrderBy(e => e.Sequence)
            .Take(limit)
            .ToListAsync(cancellationToken);
        return rows.Select(EventView.From).ToList();
    }

    /// <summary>Follows until the operation has ended and every event it wrote was delivered.</summary>
    public async IAsyncEnumerable<EventView> FollowEventsAsync(Guid operationId, int after,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var step in FollowAsync(operationId, after, cancellationToken))
            foreach (var e in step.Events)
                yield return e;
    }

    /// <summary>
    /// The operation with the events stored since the previous step, each time something may have changed, until the
    /// operation has ended and every event it wrote was delivered (or it does not exist).
    /// </summary>
    public async IAsyncEnumerable<OperationStep> FollowAsync(Guid operationId, int after,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var subscription = broadcaster.Subscribe(operationId, BufferCapacity);
        var cursor = after;
        while (true)
        {
            // Read what is stored first; the subscription catches anything stored meanwhile.
            var operation = await OperationAsync(operationId, cancellationToken);
            if (operation is null) yield break;
            var stored = operation.LastSequence > cursor ? await PageAsync(operationId, cursor, PageSize, cancellationToken) : [];
            if (stored.Count > 0) cursor = stored[^1].Sequence;
            yield return new OperationStep(operation, stored);
            if (Ended(operation, cursor)) yield break;
            if (stored.Count == PageSize) continue; // more is stored already: no reason to wait

            // Then from memory, batch by batch, as long as each follows on from the last event delivered.
            while (await NextAsync(subscription, cancellationToken) is { Stored: { } batch })
            {
                if (batch.First > cursor + 1) break; // a batch is missing: the database has it
                if (batch.Last <= cursor) continue; // read from the database before its update came
                var events = batch.First > cursor ? batch.Events : batch.Events.Where(e => e.Sequence > cursor).ToList();
                cursor = batch.Last;
                operation = operation with { LastSequence = batch.Last, ProgressDone = batch.ProgressDone, ProgressFailed = batch.ProgressFailed };
                yield return new OperationStep(operation, events);
            }
        }
    }

    private static bool Ended(FollowedOperation operation, int cursor) => !operation.IsActive && cursor >= operation.LastSequence;

    /// <summary>The next update from memory, or null when only the database can say what happened.</summary>
    private async Task<OperationUpdate?> NextAsync(OperationBroadcaster.Subscription subscription, CancellationToken cancellationToken)
    {
        if (!subscription.Reader.TryRead(out var update))
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            idle.CancelAfter(IdlePoll);
            try
            {
                if (!await subscription.Reader.WaitToReadAsync(idle.Token) || !subscription.Reader.TryRead(out update)) return null;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null; // quiet for a while: another process may have stored what this one never publishes
            }
        }
        if (!subscription.TakeGap()) return update;
        while (subscription.Reader.TryRead(out _)) { } // the database read that follows covers all of them
        return null;
    }

    private async Task<FollowedOperation?> OperationAsync(Guid operationId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Operations.AsNoTracking().Where(o => o.Id == operationId)
            .Select(o => new FollowedOperation(o.Id, o.Kind, o.State, o.Attempt, o.LastSequence, o.ProgressTotal, o.ProgressDone, o.ProgressFailed))
            .SingleOrDefaultAsync(cancellationToken);
    }
}

/// <summary>What a follower shows of an operation: no spec, no results, as a page holds it for as long as it is open.</summary>
public sealed record FollowedOperation(
    Guid Id, OperationKind Kind, OperationState State, int Attempt, int LastSequence, int ProgressTotal, int ProgressDone, int ProgressFailed)
{
    public bool IsActive => Operation.ActiveStates.Contains(State);
}

/// <summary>One step of following an operation: the operation as stored, and the events that are new since the last step.</summary>
public sealed record OperationStep(FollowedOperation Operation, IReadOnlyList<EventView> Events);
