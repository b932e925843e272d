using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Deployments;

namespace Portal.Clusters;

/// <summary>
/// Everything that changes a cluster, for the pages and the API alike. Each command stores the
/// cluster and its operation in one transaction and then wakes the worker; the worker does the rest.
/// </summary>
public sealed class ClusterCommands(
    IDbContextFactory<PortalDbContext> dbFactory,
    ClusterRequestValidator validator,
    DeploymentEngines engines,
    GossipKeyProtector gossipKeys,
    WorkSignal signal,
    OperationBroadcaster broadcaster,
    TimeProvider time)
{
    /// <summary>
    /// Validation picks a free VPC range from the clusters it reads; two creates validated at once would
    /// pick the same one (the load test saw 200 concurrent creates get 125 ranges). Checking and
    /// storing under one lock makes the choice and the insert atomic within this process, which with
    /// SQLite is the only process.
    /// </summary>
    private readonly SemaphoreSlim _createLock = new(1, 1);

    public async Task<CommandResult<ClusterOperationView>> CreateAsync(CreateClusterRequest request, CancellationToken cancellationToken)
    {
        await _createLock.WaitAsync(cancellationToken);
        try
        {
            return await CreateLockedAsync(request, cancellationToken);
        }
        finally
        {
            _createLock.Release();
        }
    }

    private async Task<CommandResult<ClusterOperationView>> CreateLockedAsync(CreateClusterRequest request, CancellationToken cancellationToken)
    {
        var validation = await validator.ValidateAsync(request, cancellationToken);
        if (validation.Errors.Count > 0) return CommandResult<ClusterOperationView>.Invalid(validation.Errors);
        if (validation.Conflicts.Count > 0)
            return CommandResult<ClusterOperationView>.Conflict(validation.Conflicts.Values.First()[0], validation.Conflicts);
        var spec = validation.Spec!;

        var now = time.GetUtcNow();
        var specJson = JsonSerializer.Serialize(spec, PortalJson.Options);
        var cluster = new Cluster
        {
            Name = spec.Name,
            Team = string.IsNullOrWhiteSpace(request.Team) ? ClusterRequestValidator.DefaultTeam : request.Team.Trim(),
            SpecJson = specJson,
            Engine = engines.Current.Name,
            ProtectedGossipKey = gossipKeys.Protect(GossipKeyProtector.NewKey()),
            SimulationJson = request.Simulation?.FailResource is { Length: > 0 } fail
                ? JsonSerializer.Serialize(new Provisioning.Engines.SimulatedFaults(fail), PortalJson.Options)
                : null,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var operation = NewOperation(cluster, OperationKind.Create, specJson, now);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.Clusters.Add(cluster);
        db.Operations.Add(operation);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (IsUniqueViolation(ex))
        {
            // Two requests raced for the same name; the unique index let one win.
            return CommandResult<ClusterOperationView>.Conflict($"A cluster named '{spec.Name}' already exists.",
                new Dictionary<string, string[]> { ["name"] = [$"A cluster named '{spec.Name}' already exists."] });
        }
        return Enqueued(cluster, operation);
    }

    public Task<CommandResult<ClusterOperationView>> DestroyAsync(string name, CancellationToken cancellationToken) =>
        EnqueueAsync(name, OperationKind.Destroy, cancellationToken);

    public Task<CommandResult<ClusterOperationView>> RefreshAsync(string name, CancellationToken cancellationToken) =>
        EnqueueAsync(name, OperationKind.Refresh, cancellationToken);

    /// <summary>Runs a failed or cancelled operation again as a new operation; the engine completes what is missing.</summary>
    public async Task<CommandResult<ClusterOperationView>> RetryAsync(Guid operationId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var failed = await db.Operations.AsNoTracking().Include(o => o.Cluster).SingleOrDefaultAsync(o => o.Id == operationId, cancellationToken);
        if (failed is null) return CommandResult<ClusterOperationView>.NotFound($"No operation {operationId}.");
        if (failed.State is not (OperationState.Failed or OperationState.Cancelled))
            return CommandResult<ClusterOperationView>.Conflict($"Only a failed or cancelled operation can be retried; this one is {failed.State.ToString().ToLowerInvariant()}.");
        return await EnqueueAsync(failed.Cluster.Name, failed.Kind, cancellationToken, failed.SpecJson);
    }

    /// <summary>Asks a queued or running operation to stop. A queued one stops at once; a running one at its next safe point.</summary>
    public async Task<CommandResult<OperationView>> CancelAsync(Guid operationId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        await db.Operations.Where(o => o.Id == operationId && o.State == OperationState.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.State, OperationState.Cancelled).SetProperty(o => o.FinishedAt, now), cancellationToken);
        await db.Operations.Where(o => o.Id == operationId && o.State == OperationState.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.State, OperationState.Cancelling), cancellationToken);
        var operation = await db.Operations.AsNoTracking().Include(o => o.Cluster).SingleOrDefaultAsync(o => o.Id == operationId, cancellationToken);
        if (operation is null) return CommandResult<OperationView>.NotFound($"No operation {operationId}.");
        if (operation.State is not (OperationState.Cancelled or OperationState.Cancelling))
            return CommandResult<OperationView>.Conflict($"The operation already ended: it {operation.State.ToString().ToLowerInvariant()}.");
        broadcaster.Publish(new OperationUpdate(operation.Id, operation.ClusterId, [], operation.State));
        return CommandResult<OperationView>.Ok(OperationView.From(operation, operation.Cluster.Name));
    }

    private async Task<CommandResult<ClusterOperationView>> EnqueueAsync(string name, OperationKind kind, CancellationToken cancellationToken, string? specJson = null)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var cluster = await ClusterQueries.FindAsync(db, name, cancellationToken);
        if (cluster is null || (cluster.Status == ClusterStatus.Destroyed && kind != OperationKind.Create))
            return CommandResult<ClusterOperationView>.NotFound($"No cluster named '{name}'.");
        var operation = NewOperation(cluster, kind, specJson ?? cluster.SpecJson, time.GetUtcNow());
        db.Operations.Add(operation);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (IsUniqueViolation(ex))
        {
            var active = await db.Operations.AsNoTracking()
                .Where(o => o.ClusterId == cluster.Id
                    && (o.State == OperationState.Queued || o.State == OperationState.Running || o.State == OperationState.Cancelling))
                .FirstOrDefaultAsync(cancellationToken);
            return CommandResult<ClusterOperationView>.Conflict(
                active is null
                    ? $"Cluster '{name}' is busy with another operation."
                    : $"Cluster '{name}' is busy: {active.Kind.ToString().ToLowerInvariant()} operation {active.Id} is {active.State.ToString().ToLowerInvariant()}.",
                blocking: active?.Id);
        }
        return Enqueued(cluster, operation);
    }

    private Operation NewOperation(Cluster cluster, OperationKind kind, string specJson, DateTimeOffset now) => new()
    {
        ClusterId = cluster.Id,
        Kind = kind,
        SpecJson = specJson,
        CreatedAt = now,
    };

    private CommandResult<ClusterOperationView> Enqueued(Cluster cluster, Operation operation)
    {
        signal.Notify();
        broadcaster.Publish(new OperationUpdate(operation.Id, cluster.Id, [], operation.State));
        return CommandResult<ClusterOperationView>.Ok(new(ClusterView.From(cluster), OperationView.From(operation, cluster.Name)));
    }

    private static bool IsUniqueViolation(DbUpdateException ex) =>
        ex.InnerException is SqliteException { SqliteErrorCode: 19 }; // SQLITE_CONSTRAINT
}
