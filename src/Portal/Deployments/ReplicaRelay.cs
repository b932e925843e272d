using Npgsql;
using Portal.Data;

namespace Portal.Deployments;

/// <summary>
/// Carries the broadcaster's updates between replicas that share a PostgreSQL database, with LISTEN/NOTIFY: no server
/// beside the database. What this process publishes is sent as a notification (which operation, which state);
/// what another replica sent is published here as an update without events, which only wakes followers: they read
/// the database, the truth, exactly as after a gap. A lost notification (the listening connection broke, a replica
/// restarted) costs latency, never events: a follower still looks in the database after
/// <see cref="OperationEventFeed.IdlePoll"/> of quiet. On SQLite (one process) it does nothing.
/// </summary>
internal sealed class ReplicaRelay(
    PortalDataLocation location, OperationBroadcaster broadcaster, WorkSignal work, ILogger<ReplicaRelay> logger) : BackgroundService
{
    public const string Channel = "portal_operations";

    /// <summary>Tells this process's own notifications from the others', which PostgreSQL sends to every listener.</summary>
    private readonly string _replica = Guid.NewGuid().ToString("N");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!location.IsPostgreSql) return;
        using var outgoing = broadcaster.Subscribe(capacity: 4096, follower: false);
        await Task.WhenAll(SendAsync(outgoing, stoppingToken), ListenAsync(stoppingToken));
    }

    private async Task SendAsync(OperationBroadcaster.Subscription outgoing, CancellationToken stoppingToken)
    {
        await using var source = NpgsqlDataSource.Create(location.ConnectionString);
        var pending = new List<OperationUpdate>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await outgoing.Reader.WaitToReadAsync(stoppingToken)) return;
                // Everything waiting goes in one round trip: one notification per operation and state.
                while (outgoing.Reader.TryRead(out var update))
                    if (!update.FromAnotherReplica) pending.Add(update);
                outgoing.TakeGap(); // a dropped update's operation is still announced by its next one, or found by the idle poll
                var payloads = pending.Select(Payload).Distinct().ToList();
                pending.Clear();
                if (payloads.Count == 0) continue;
                await using var batch = source.CreateBatch();
                foreach (var payload in payloads)
                    batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_notify($1, $2)") 
                    {
                        Parameters = { new NpgsqlParameter { Value = Channel }, new NpgsqlParameter { Value = payload } },
                    });
                await batch.ExecuteNonQueryAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException ex)
            {
                logger.LogWarning(ex, "Notifying the other replicas failed; they find the change when they next read the database");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // A connection of its own, outside the pool: it waits for notifications for as long as the portal runs.
                await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(location.ConnectionString)
                    { Pooling = false, KeepAlive = 30 }.ConnectionString);
                connection.Notification += (_, e) => Receive(e.Payload);
                await connection.OpenAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                logger.LogInformation("Listening for the other replicas' operation updates on {Channel}", Channel);
                while (true) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                logger.LogWarning(ex, "Listening for the other replicas' updates failed; listening again in a second");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private string Payload(OperationUpdate update) =>
        string.Join(' ', _replica, update.OperationId.ToString("N"), update.ClusterId.ToString("N"), update.State?.ToString() ?? "-");

    private void Receive(string payload)
    {
        if (payload.Split(' ') is not [var replica, var operation, var cluster, var state] || replica == _replica) return;
        if (!Guid.TryParseExact(operation, "N", out var operationId) || !Guid.TryParseExact(cluster, "N", out var clusterId)) return;
        OperationState? changed = Enum.TryParse<OperationState>(state, out var parsed) ? parsed : null;
        broadcaster.Publish(new OperationUpdate(operationId, clusterId, changed) { FromAnotherReplica = true });
        // Work another replica queued or handed back (a lease it gave up at shutdown) may be this one's to claim.
        if (changed is OperationState.Queued) work.Notify();
    }
}
