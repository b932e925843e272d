using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Data;
using Portal.Deployments;
using Provisioning.Engines;
using TestSupport.Portal;

namespace Portal.Tests.Deployments;

/// <summary>
/// The live follower against the real sink and SQLite: an operation that this test runs itself (leased to it, so the worker
/// leaves it alone), and followers whose database reads are counted.
/// </summary>
public sealed class OperationEventFeedTests : IAsyncDisposable
{
    private const string Lease = "feed-test-run";
    private readonly PortalAppFactory _app = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public OperationEventFeedTests() => _app.Settings["Provisioning:Simulated:TimeScale"] = "0";

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private OperationBroadcaster Broadcaster => _app.Services.GetRequiredService<OperationBroadcaster>();

    [Fact]
    public async Task FollowAsync_ContiguousBatches_DeliveredFromMemoryWithoutReadingTheDatabase()
    {
        var operation = await RunningOperationAsync();
        var (feed, queries) = CountingFeed();
        await using var follower = feed.FollowAsync(operation.Id, after: 0, Ct).GetAsyncEnumerator(Ct);
        Assert.True(await follower.MoveNextAsync()); // subscribed, and what is stored read
        var readsToStart = queries.Count;

        var sink = Sink(operation, Broadcaster, maxBatch: 1); // one batch per event
        await EmitAsync(sink, 5);
        var delivered = await EventsAsync(follower, 5);

        Assert.Equal([1, 2, 3, 4, 5], delivered);
        Assert.Equal(readsToStart, queries.Count);
        Assert.Equal(5, follower.Current.Operation.LastSequence);
        await sink.CompleteAsync();
    }

    [Fact]
    public async Task FollowAsync_BatchThatDoesNotFollowOn_CatchesUpFromTheDatabaseInOrder()
    {
        var operation = await RunningOperationAsync();
        var (feed, queries) = CountingFeed();
        await using var follower = feed.FollowAsync(operation.Id, after: 0, Ct).GetAsyncEnumerator(Ct);
        Assert.True(await follower.MoveNextAsync());
        var readsToStart = queries.Count;

        // Events 1–3 are stored without a word to this process (as a recovery in another process stores them), then 4–5 are published.
        var unheard = Sink(operation, new OperationBroadcaster());
        await EmitAsync(unheard, 3);
        await unheard.CompleteAsync();
        var heard = Sink(operation, Broadcaster);
        await EmitAsync(heard, 2);
        var delivered = await EventsAsync(follower, 5);

        Assert.Equal([1, 2, 3, 4, 5], delivered);
        Assert.True(queries.Count > readsToStart, "the missing events can only have come from the database");
        await heard.CompleteAsync();
    }

    [Fact]
    public async Task FollowAsync_EventsStoredByAnotherProcess_FoundWhenTheQuietWakeUpReadsTheDatabase()
    {
        var operation = await RunningOperationAsync();
        var (feed, _) = CountingFeed(idlePoll: TimeSpan.FromMilliseconds(200));
        await using var follower = feed.FollowAsync(operation.Id, after: 0, Ct).GetAsyncEnumerator(Ct);
        Assert.True(await follower.MoveNextAsync());

        // Another process's broadcaster is not this one: nothing is published here.
        var elsewhere = Sink(operation, new OperationBroadcaster());
        await EmitAsync(elsewhere, 3);
        await elsewhere.CompleteAsync();

        Assert.Equal([1, 2, 3], await EventsAsync(follower, 3));
    }

    [Fact]
    public async Task FollowAsync_SubscriberThatFallsBehind_OverflowsAndCatchesUpFromTheDatabase_WithoutHoldingUpTheSinkOrOthers()
    {
        var operation = await RunningOperationAsync();
        var (slowFeed, slowQueries) = CountingFeed(bufferCapacity: 2);
        var (fastFeed, fastQueries) = CountingFeed();
        await using var slow = slowFeed.FollowAsync(operation.Id, after: 0, Ct).GetAsyncEnumerator(Ct);
        await using var fast = fastFeed.FollowAsync(operation.Id, after: 0, Ct).GetAsyncEnumerator(Ct);
        Assert.True(await slow.MoveNextAsync());
        Assert.True(await fast.MoveNextAsync());
        var (slowStart, fastStart) = (slowQueries.Count, fastQueries.Count);

        // The slow follower reads nothing while 20 batches are stored: its buffer of 2 overflows.
        var sink = Sink(operation, Broadcaster, maxBatch: 1);
        await EmitAsync(sink, 20);
        await sink.CompleteAsync(); // every batch stored and published: the sink did not wait for the slow one
        Assert.Equal(Enumerable.Range(1, 20), await EventsAsync(fast, 20));
        Assert.Equal(fastStart, fastQueries.Count);

        Assert.Equal(Enumerable.Range(1, 20), await EventsAsync(slow, 20));
        Assert.True(slowQueries.Count > slowStart, "what the slow follower lost can only have come from the database");
    }

    [Fact]
    public async Task FollowAsync_ReconnectAfterASequenceWhileLive_DeliversTheRestOnce_EvenWhenABatchItReadComesAgainFromMemory()
    {
        var operation = await RunningOperationAsync();
        var sink = Sink(operation, Broadcaster);
        await EmitAsync(sink, 5);
        var (feed, queries) = CountingFeed();
        var first = await StoredAsync(feed, operation.Id, 5);

        // A client that got 1–3 reconnects with Last-Event-ID: 3.
        await using var follower = feed.FollowAsync(operation.Id, after: 3, Ct).GetAsyncEnumerator(Ct);
        Assert.True(await follower.MoveNextAsync());
        var delivered = follower.Current.Events.Select(e => e.Sequence).ToList();
        var readsToStart = queries.Count;
        // The update of the batch it just read arrives after the read, as it does when the sink commits between the two.
        Broadcaster.Publish(new OperationUpdate(operation.Id, operation.ClusterId) { Stored = new StoredBatch(first.Skip(2).ToList(), 0, 0) });
        await EmitAsync(sink, 2);
        delivered.AddRange(await EventsAsync(follower, 2));

        Assert.Equal([4, 5, 6, 7], delivered);
        Assert.Equal(readsToStart, queries.Count);
        await sink.CompleteAsync();
    }

    [Fact]
    public async Task FollowAsync_OperationEnds_DeliversTheFinalStateOnceAndStops()
    {
        var operation = await RunningOperationAsync();
        var (feed, _) = CountingFeed();
        var steps = new List<OperationStep>();
        var following = Task.Run(async () =>
        {
            await foreach (var step in feed.FollowAsync(operation.Id, after: 0, Ct)) steps.Add(step);
        }, Ct);
        for (var i = 0; i < 100 && Broadcaster.SubscriberCount == 0; i++) await Task.Delay(20, Ct);

        var sink = Sink(operation, Broadcaster);
        await EmitAsync(sink, 3);
        await sink.CompleteAsync();
        await using (var db = _app.CreateDbContext())
            await db.Operations.Where(o => o.Id == operation.Id).ExecuteUpdateAsync(s => s
                .SetProperty(o => o.State, OperationState.Succeeded).SetProperty(o => o.LeaseOwner, (string?)null), Ct);
        // The runner says so once; a second word (a late cancel, say) must not end it twice.
        Broadcaster.Publish(new OperationUpdate(operation.Id, operation.ClusterId, OperationState.Succeeded));
        Broadcaster.Publish(new OperationUpdate(operation.Id, operation.ClusterId, OperationState.Succeeded));
        await following.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal([1, 2, 3], steps.SelectMany(s => s.Events).Select(e => e.Sequence));
        Assert.Single(steps, s => !s.Operation.IsActive);
        Assert.Equal(OperationState.Succeeded, steps[^1].Operation.State);
        Assert.Equal(0, Broadcaster.SubscriberCount);
    }

    [Fact]
    public void Subscription_FullBuffer_DropsTheUpdateAndReportsTheGapOnce()
    {
        var broadcaster = new OperationBroadcaster();
        var id = Guid.NewGuid();
        using var subscription = broadcaster.Subscribe(id, capacity: 2);

        for (var i = 0; i < 3; i++) broadcaster.Publish(new OperationUpdate(id, Guid.Empty));

        Assert.Equal(2, subscription.Reader.Count);
        Assert.True(subscription.TakeGap());
        Assert.False(subscription.TakeGap());
    }

    /// <summary>An operation of an existing cluster, running under this test's lease, with nothing stored yet.</summary>
    private async Task<Operation> RunningOperationAsync()
    {
        var http = _app.CreateApiClient();
        var created = await http.CreateClusterAsync(new { name = "followed" });
        await http.WaitForOperationAsync((string)created["operation"]!["id"]!);
        await using var db = _app.CreateDbContext();
        var cluster = await db.Clusters.SingleAsync(c => c.Name == "followed", Ct);
        var now = DateTimeOffset.UtcNow;
        var operation = new Operation
        {
            ClusterId = cluster.Id, Kind = OperationKind.Refresh, Spec = cluster.Spec, State = OperationState.Running, Attempt = 1,
            LeaseOwner = Lease, LeaseExpiresAt = now.AddHours(1), CreatedAt = now, StartedAt = now,
        };
        db.Operations.Add(operation);
        await db.SaveChangesAsync(Ct);
        return operation;
    }

    private OperationEventSink Sink(Operation operation, OperationBroadcaster broadcaster, int maxBatch = OperationEventSink.DefaultMaxBatch) =>
        new(operation, Lease, new ResourceProgress([], []), [], _app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>(),
            broadcaster, _app.Services.GetRequiredService<PortalTelemetry>(), TimeProvider.System, NullLogger.Instance, maxBatch);

    private static async Task EmitAsync(OperationEventSink sink, int count)
    {
        for (var i = 0; i < count; i++) await sink.EmitAsync(EngineEvent.Diagnostic($"event {i}"), Ct);
    }

    /// <summary>The events once <paramref name="count"/> are stored: the sink stores in the background, after <see cref="OperationEventSink.EmitAsync"/> returns.</summary>
    private static async Task<IReadOnlyList<EventView>> StoredAsync(OperationEventFeed feed, Guid operationId, int count)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        while (true)
        {
            var stored = await feed.PageAsync(operationId, 0, 100, timeout.Token);
            if (stored.Count >= count) return stored;
            await Task.Delay(20, timeout.Token);
        }
    }

    /// <summary>The sequences of the next <paramref name="count"/> events the follower delivers.</summary>
    private static async Task<List<int>> EventsAsync(IAsyncEnumerator<OperationStep> follower, int count)
    {
        var sequences = new List<int>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        while (sequences.Count < count && await follower.MoveNextAsync().AsTask().WaitAsync(timeout.Token))
            sequences.AddRange(follower.Current.Events.Select(e => e.Sequence));
        return sequences;
    }

    /// <summary>
    /// A feed on the portal's database and broadcaster whose queries are counted. It looks in the database on its own only
    /// after <paramref name="idlePoll"/>: by default never within a test, so that what it delivers came from memory or a gap.
    /// </summary>
    private (OperationEventFeed Feed, QueryCounter Queries) CountingFeed(int bufferCapacity = OperationBroadcaster.DefaultCapacity, TimeSpan? idlePoll = null)
    {
        var counter = new QueryCounter();
        var options = _app.NewContextOptions().AddInterceptors(counter).Options;
        return (new OperationEventFeed(new Factory(options), Broadcaster) { BufferCapacity = bufferCapacity, IdlePoll = idlePoll ?? TimeSpan.FromHours(1) }, counter);
    }

    private sealed class Factory(DbContextOptions<PortalDbContext> options) : IDbContextFactory<PortalDbContext>
    {
        public PortalDbContext CreateDbContext() => new(options);
    }

    internal sealed class QueryCounter : DbCommandInterceptor
    {
        private int _count;
        public int Count => Volatile.Read(ref _count);

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _count);
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}
