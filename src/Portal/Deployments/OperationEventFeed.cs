using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Deployments;

/// <summary>
/// The one way to follow an operation, for the event stream and the live page alike: its events after a cursor,
/// the stored ones, then live ones as they are stored. It subscribes before reading the database and reads on
/// after the last sequence it delivered, so a follower sees every event once, in order, also across reconnects.
/// </summary>
public sealed class OperationEventFeed(IDbContextFactory<PortalDbContext> dbFactory, OperationBroadcaster broadcaster)
{
    private const int PageSize = 1000;

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
    /// The operation as it is stored now with the events stored since the previous step, each time something may
    /// have changed, until the operation has ended and every event it wrote was delivered (or it does not exist).
    /// </summary>
    public async IAsyncEnumerable<OperationStep> FollowAsync(Guid operationId, int after,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var subscription = broadcaster.Subscribe(operationId);
        var cursor = after;
        while (true)
        {
            // Read what is stored first; the subscription catches anything stored meanwhile.
            var operation = await OperationAsync(operationId, cancellationToken);
            if (operation is null) yield break;
            var stored = await PageAsync(operationId, cursor, PageSize, cancellationToken);
            if (stored.Count > 0) cursor = stored[^1].Sequence;
            yield return new OperationStep(operation, stored);
            if (!operation.IsActive && cursor >= operation.LastSequence) yield break;
            if (stored.Count == PageSize) continue; // more is stored already: no reason to wait

            // Wake on the next update; a stored batch is replayed from the database, never from memory, to keep order.
            // Also wake now and then: a recovery by another process publishes nothing here.
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            idle.CancelAfter(TimeSpan.FromSeconds(5));
            try { await subscription.Reader.WaitToReadAsync(idle.Token); }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { }
            while (subscription.Reader.TryRead(out _)) { }
        }
    }

    private async Task<Operation?> OperationAsync(Guid operationId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Operations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == operationId, cancellationToken);
    }
}

/// <summary>One step of following an operation: the operation as stored, and the events that are new since the last step.</summary>
public sealed record OperationStep(Operation Operation, IReadOnlyList<EventView> Events);
