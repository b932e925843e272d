using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Deployments;

/// <summary>
/// An operation's events after a cursor: the stored ones, then live ones as they are stored.
/// It subscribes before reading the database and drops sequences it has already delivered,
/// so a follower sees every event once, in order, also across reconnects.
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
    public async IAsyncEnumerable<EventView> FollowAsync(Guid operationId, int after,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var subscription = broadcaster.Subscribe(operationId);
        var cursor = after;
        while (true)
        {
            // Read what is stored first; the subscription catches anything stored meanwhile.
            var (ended, lastSequence) = await StatusAsync(operationId, cancellationToken);
            var stored = await PageAsync(operationId, cursor, PageSize, cancellationToken);
            foreach (var e in stored)
            {
                cursor = e.Sequence;
                yield return e;
            }
            if (ended && cursor >= lastSequence) yield break;
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

    private async Task<(bool Ended, int LastSequence)> StatusAsync(Guid operationId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var operation = await db.Operations.AsNoTracking().Where(o => o.Id == operationId)
            .Select(o => new { o.State, o.LastSequence }).SingleAsync(cancellationToken);
        return (operation.State is OperationState.Succeeded or OperationState.Failed or OperationState.Cancelled, operation.LastSequence);
    }
}
