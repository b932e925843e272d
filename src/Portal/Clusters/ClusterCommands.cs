using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Auditing;
using Portal.Data;
using Portal.Deployments;
using Portal.Engines;
using Portal.Identity;
using Provisioning.Clusters;

namespace Portal.Clusters;

/// <summary>
/// Everything that changes a cluster, for the pages and the API alike. Each command reads the caller's
/// teams and role as they are at that moment (<see cref="Caller.NowAsync"/>: a page's caller may be hours
/// old), checks that the caller may see the cluster (others are told it does not exist), stores the change,
/// its operation and its audit entry in one transaction, and then wakes the worker.
/// </summary>
public sealed partial class ClusterCommands(
    IDbContextFactory<PortalDbContext> dbFactory,
    ClusterRequestValidator validator,
    DeploymentEngines engines,
    ClusterSecretStore secrets,
    WorkSignal signal,
    OperationBroadcaster broadcaster,
    AuditLog audit,
    Microsoft.Extensions.Options.IOptions<PreviewOptions> previews,
    TimeProvider time)
{
    /// <summary>
    /// Validation picks a free VPC range from the clusters it reads; two creates validated at once would
    /// pick the same one (the load test saw 200 concurrent creates get 125 ranges). Checking and
    /// storing under one lock makes the choice and the insert atomic within this process, which with
    /// SQLite is the only process.
    /// </summary>
    private readonly SemaphoreSlim _createLock = new(1, 1);

    public async Task<CommandResult<ClusterOperationView>> CreateAsync(Caller caller, CreateClusterRequest request, CancellationToken cancellationToken)
    {
        await _createLock.WaitAsync(cancellationToken);
        try
        {
            return await CreateLockedAsync(caller, request, cancellationToken);
        }
        finally
        {
            _createLock.Release();
        }
    }

    private async Task<CommandResult<ClusterOperationView>> CreateLockedAsync(Caller caller, CreateClusterRequest request, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        caller = await caller.NowAsync(db, cancellationToken);
        var validation = await validator.ValidateAsync(caller, request, cancellationToken);
        if (validation.Errors.Count > 0) return CommandResult<ClusterOperationView>.Invalid(validation.Errors);
        if (validation.Conflicts.Count > 0)
            return CommandResult<ClusterOperationView>.Conflict(validation.Conflicts.Values.First()[0], validation.Conflicts);
        var spec = validation.Spec!;

        var now = time.GetUtcNow();
        var cluster = new Cluster
        {
            Name = spec.Name,
            Team = TeamRules.TeamOf(request.Team, caller)!,
            Spec = spec,
            Engine = engines.Current.Name,
            ProtectedSecrets = secrets.Protect(secrets.Generate(spec.Name)),
            Simulation = request.Simulation is { IsEmpty: false } simulation
                ? new Provisioning.Engines.SimulatedFaults(string.IsNullOrEmpty(simulation.FailResource) ? null : simulation.FailResource, simulation.FailCheck, simulation.FailReplacement)
                : null,
            CreatedAt = now,
            UpdatedAt = now,
            ExpiresAt = spec.TimeToLiveHours is { } hours ? now.AddHours(hours) : null,
        };
        var operation = NewOperation(cluster, OperationKind.Create, spec, now);
        try
        {
            await using var scope = await audit.BeginAsync(db, cancellationToken);
            db.Clusters.Add(cluster);
            db.Operations.Add(operation);
            scope.Add(caller.Actor, new AuditRecord("cluster.create", "cluster", cluster.Name, Team: cluster.Team,
                Details: new { operation = operation.Id, cluster.Engine, spec, simulation = request.Simulation is { IsEmpty: false } ? new { request.Simulation.FailResource, request.Simulation.FailCheck, request.Simulation.FailReplacement } : null }));
            await scope.CommitAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            // Two requests raced for the same name; the unique index let one win.
            return CommandResult<ClusterOperationView>.Conflict($"A cluster named '{spec.Name}' already exists.",
                new Dictionary<string, string[]> { ["name"] = [$"A cluster named '{spec.Name}' already exists."] });
        }
        return Enqueued(cluster, operation);
    }

    public Task<CommandResult<ClusterOperationView>> DestroyAsync(Caller caller, string name, CancellationToken cancellationToken) =>
        EnqueueAsync(caller, name, OperationKind.Destroy, "cluster.destroy", cancellationToken);

    public Task<CommandResult<ClusterOperationView>> RefreshAsync(Caller caller, string name, CancellationToken cancellationToken) =>
        EnqueueAsync(caller, name, OperationKind.Refresh, "cluster.refresh", cancellationToken);

    /// <summary>Runs a failed or cancelled operation again as a new operation; the engine completes what is missing.</summary>
    /// <remarks>
    /// The retry runs on the operation's own cluster, by id: its name may belong to another cluster by now
    /// (destroyed, then reused, perhaps by another team), and that one must never get this operation's spec.
    /// </remarks>
    public async Task<CommandResult<ClusterOperationView>> RetryAsync(Caller caller, Guid operationId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        caller = await caller.NowAsync(db, cancellationToken);
        var failed = await db.Operations.AsNoTracking().Include(o => o.Cluster).SingleOrDefaultAsync(o => o.Id == operationId, cancellationToken);
        if (failed is null || !caller.CanSee(failed.Cluster.Team))
            return await DeniedAsync<ClusterOperationView>(db, caller, "operation.retry", "operation", operationId.ToString(), $"No operation {operationId}.", cancellationToken);
        if (failed.Cluster.Status == ClusterStatus.Destroyed)
            return CommandResult<ClusterOperationView>.Conflict(OperationCommands.OfDestroyedCluster(failed, "retried"));
        if (failed.State is not (OperationState.Failed or OperationState.Cancelled))
            return CommandResult<ClusterOperationView>.Conflict($"Only a failed or cancelled operation can be retried; this one is {failed.State.ToString().ToLowerInvariant()}.");
        return await EnqueueOnAsync(db, caller, failed.Cluster, failed.Kind, "operation.retry", failed.Spec, failed.Id, cancellationToken, failed.Zone,
            retry => retry.SnapshotId = failed.SnapshotId);
    }

    /// <summary>Enqueues an operation on the live cluster that holds <paramref name="name"/>, if the caller may see it now.</summary>
    private Task<CommandResult<ClusterOperationView>> EnqueueAsync(
        Caller caller, string name, OperationKind kind, string action, CancellationToken cancellationToken, ClusterSpec? spec = null) =>
        EnqueueAsync(caller, name, kind, action, _ => null, spec, zoneOf: null, cancellationToken);

    /// <summary>
    /// Enqueues an operation on the live cluster that holds <paramref name="name"/>, if the caller may see it now and
    /// <paramref name="refusal"/> finds nothing against it (e.g. a drill on a cluster that is not deployed).
    /// </summary>
    internal async Task<CommandResult<ClusterOperationView>> EnqueueAsync(
        Caller caller, string name, OperationKind kind, string action, Func<Cluster, CommandResult<ClusterOperationView>?> refusal,
        ClusterSpec? spec, Func<Cluster, string?>? zoneOf, CancellationToken cancellationToken, Action<Operation>? prepare = null)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        caller = await caller.NowAsync(db, cancellationToken);
        var cluster = await TeamVisibility.FindAsync(db, caller, name, cancellationToken);
        if (cluster is null || cluster.Status == ClusterStatus.Destroyed)
            return await DeniedAsync<ClusterOperationView>(db, caller, action, "cluster", name, $"No cluster named '{name}'.", cancellationToken);
        if (refusal(cluster) is { } refused) return refused;
        return await EnqueueOnAsync(db, caller, cluster, kind, action, spec ?? cluster.Spec, null, cancellationToken, zoneOf?.Invoke(cluster), prepare);
    }

    private async Task<CommandResult<ClusterOperationView>> EnqueueOnAsync(
        PortalDbContext db, Caller caller, Cluster cluster, OperationKind kind, string action, ClusterSpec spec, Guid? retryOf, CancellationToken cancellationToken,
        string? zone = null, Action<Operation>? prepare = null, Guid? previewOf = null)
    {
        var name = cluster.Name;
        var operation = NewOperation(cluster, kind, spec, time.GetUtcNow());
        operation.RetryOfId = retryOf;
        operation.Zone = zone;
        operation.PreviewOfId = previewOf;
        prepare?.Invoke(operation);
        try
        {
            await using var scope = await audit.BeginAsync(db, cancellationToken);
            db.Operations.Add(operation);
            scope.Add(caller.Actor, new AuditRecord(action, "cluster", cluster.Name, Team: cluster.Team,
                Details: new { operation = operation.Id, kind, retryOf, zone, previewOf, snapshot = operation.SnapshotId }));
            await scope.CommitAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            db.ChangeTracker.Clear();
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

    /// <summary>Not found, or not the caller's to see: the answer is the same, and the attempt is recorded.</summary>
    private async Task<CommandResult<T>> DeniedAsync<T>(PortalDbContext db, Caller caller, string action, string targetType, string target, string message, CancellationToken cancellationToken)
    {
        await audit.WriteAsync(db, caller.Actor, AuditRecord.NotVisible(action, targetType, target), cancellationToken);
        return CommandResult<T>.NotFound(message);
    }

    private static Operation NewOperation(Cluster cluster, OperationKind kind, ClusterSpec spec, DateTimeOffset now) => new()
    {
        ClusterId = cluster.Id,
        Kind = kind,
        Spec = spec,
        CreatedAt = now,
    };

    private CommandResult<ClusterOperationView> Enqueued(Cluster cluster, Operation operation)
    {
        signal.Notify();
        broadcaster.Publish(new OperationUpdate(operation.Id, cluster.Id, operation.State));
        return CommandResult<ClusterOperationView>.Ok(new(ClusterView.From(cluster), OperationView.From(operation, cluster.Name)));
    }
}
