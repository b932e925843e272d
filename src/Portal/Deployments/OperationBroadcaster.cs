using System.Collections.Concurrent;
using System.Threading.Channels;
using Portal.Data;

namespace Portal.Deployments;

/// <summary>
/// Something changed about an operation: new events were stored (no <see cref="State"/>), or its state moved.
/// Subscribers read the events from the database, so the update does not carry them.
/// </summary>
public sealed record OperationUpdate(Guid OperationId, Guid ClusterId, OperationState? State = null);

/// <summary>
/// Wakes pages and streams when an operation changes. It only notifies: the database is the
/// truth, so a subscriber first subscribes, then reads what is stored, then de-duplicates.
/// </summary>
public sealed class OperationBroadcaster
{
    private readonly ConcurrentDictionary<Subscription, byte> _subscriptions = new();

    public int SubscriberCount => _subscriptions.Count;

    /// <summary>Updates of one operation, or of every operation when <paramref name="operationId"/> is null.</summary>
    public Subscription Subscribe(Guid? operationId = null)
    {
        var subscription = new Subscription(operationId, this);
        _subscriptions.TryAdd(subscription, 0);
        return subscription;
    }

    public void Publish(OperationUpdate update)
    {
        foreach (var subscription in _subscriptions.Keys)
            if (subscription.OperationId is null || subscription.OperationId == update.OperationId)
                subscription.Channel.Writer.TryWrite(update);
    }

    public sealed class Subscription : IDisposable
    {
        internal Subscription(Guid? operationId, OperationBroadcaster owner)
        {
            OperationId = operationId;
            _owner = owner;
        }

        private readonly OperationBroadcaster _owner;
        internal Channel<OperationUpdate> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<OperationUpdate>(
            new UnboundedChannelOptions { SingleReader = true });

        public Guid? OperationId { get; }
        public ChannelReader<OperationUpdate> Reader => Channel.Reader;

        public void Dispose()
        {
            _owner._subscriptions.TryRemove(this, out _);
            Channel.Writer.TryComplete();
        }
    }
}
