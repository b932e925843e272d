using System.Collections.Concurrent;
using System.Threading.Channels;
using Portal.Data;

namespace Portal.Deployments;

/// <summary>
/// Something changed about an operation: a batch of events was stored (<see cref="Stored"/>), or its state moved
/// (<see cref="State"/>).
/// </summary>
public sealed record OperationUpdate(Guid OperationId, Guid ClusterId, OperationState? State = null)
{
    /// <summary>The batch just stored, so followers need not read it back; null when the update is a change of state.</summary>
    public StoredBatch? Stored { get; init; }

    /// <summary>Another replica stored or changed something (<see cref="ReplicaRelay"/>): only a wake-up, followers read the database.</summary>
    public bool FromAnotherReplica { get; init; }
}

/// <summary>Events one transaction stored, in sequence order (never empty), and the operation's progress counts stored with them.</summary>
public sealed record StoredBatch(IReadOnlyList<EventView> Events, int ProgressDone, int ProgressFailed)
{
    public int First => Events[0].Sequence;
    public int Last => Events[^1].Sequence;
}

/// <summary>
/// Fans out what happens to operations in this process, to pages and streams. It never waits for a subscriber: each
/// has a bounded buffer, and one that falls behind loses updates and is told so (<see cref="Subscription.TakeGap"/>),
/// so that it reads the database, which is the truth, instead of slowing the sink and everyone else.
/// </summary>
public sealed class OperationBroadcaster
{
    /// <summary>Updates a subscriber may have waiting; a stored batch is one update, so this is hundreds of events.</summary>
    public const int DefaultCapacity = 256;

    private readonly ConcurrentDictionary<Subscription, byte> _subscriptions = new();

    /// <summary>Pages and streams following operations; the replica relay, which forwards everything, is not one.</summary>
    public int SubscriberCount => _subscriptions.Keys.Count(s => s.IsFollower);

    /// <summary>Updates of one operation, or of every operation when <paramref name="operationId"/> is null.</summary>
    /// <param name="follower">False for the replica relay: it is not counted in <see cref="SubscriberCount"/>.</param>
    public Subscription Subscribe(Guid? operationId = null, int capacity = DefaultCapacity, bool follower = true)
    {
        var subscription = new Subscription(operationId, capacity, this) { IsFollower = follower };
        _subscriptions.TryAdd(subscription, 0);
        return subscription;
    }

    public void Publish(OperationUpdate update)
    {
        foreach (var (subscription, _) in _subscriptions)
            if (subscription.OperationId is null || subscription.OperationId == update.OperationId)
                subscription.Offer(update);
    }

    public sealed class Subscription : IDisposable
    {
        internal Subscription(Guid? operationId, int capacity, OperationBroadcaster owner)
        {
            OperationId = operationId;
            _owner = owner;
            _channel = Channel.CreateBounded<OperationUpdate>(new BoundedChannelOptions(capacity)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait, // with TryWrite: never waits, and says when it could not write
            });
        }

        private readonly OperationBroadcaster _owner;
        private readonly Channel<OperationUpdate> _channel;
        private int _gap;

        public Guid? OperationId { get; }

        internal bool IsFollower { get; init; } = true;
        public ChannelReader<OperationUpdate> Reader => _channel.Reader;

        /// <summary>
        /// True once if updates were dropped since the last call because the buffer was full: the reader must then not
        /// trust what it has, but read the database. Ask after each read, as a dropped update is marked after those before it.
        /// </summary>
        public bool TakeGap() => Interlocked.Exchange(ref _gap, 0) == 1;

        internal void Offer(OperationUpdate update)
        {
            if (_channel.Writer.TryWrite(update)) return;
            Volatile.Write(ref _gap, 1);
            // Wake the reader even if it emptied the buffer between the failed write and the mark: either this write
            // succeeds, or the buffer is still full and the reader will ask TakeGap after its next read.
            _channel.Writer.TryWrite(update);
        }

        public void Dispose()
        {
            _owner._subscriptions.TryRemove(this, out _);
            _channel.Writer.TryComplete();
        }
    }
}
