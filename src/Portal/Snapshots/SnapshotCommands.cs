using System.ComponentModel;
using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Auditing;
using Portal.Clusters;
using Portal.Data;
using Portal.Engines;
using Portal.Identity;
using Provisioning.Engines;
using Provisioning.Topology;

namespace Portal.Snapshots;

[Description("One Consul snapshot of one datacenter, as the cluster's snapshot bucket keeps it.")]
public sealed record SnapshotView(
    string Id,
    [property: Description("The datacenter it was taken in, and the only one it can be restored into.")] string Datacenter,
    DateTimeOffset TakenAt,
    long SizeBytes,
    [property: Description("scheduled (the servers' timer), manual (taken now) or pre-upgrade (before a rolling upgrade).")] string Reason)
{
    public static SnapshotView From(ConsulSnapshot snapshot) =>
        new(snapshot.Id, snapshot.Datacenter, snapshot.TakenAt, snapshot.SizeBytes, snapshot.Reason);
}

[Description("The cluster's snapshots, newest first; the bucket's lifecycle has expired older ones.")]
public sealed record SnapshotListView(IReadOnlyList<SnapshotView> Items);

/// <summary>The body of a restore: the datacenter, typed by the requester, must be the snapshot's own.</summary>
public sealed class RestoreSnapshotRequest
{
    [Description("The snapshot's datacenter, typed to confirm: its KV is replaced by the snapshot's.")]
    public string? Datacenter { get; set; }
}

/// <summary>
/// A cluster's Consul snapshots: listed from its snapshot bucket, one of each datacenter taken now, or one restored into
/// its datacenter. Taking and restoring are operations (audited, one at a time per cluster); restoring replaces the
/// datacenter's KV, so only the cluster's owners and admins may, naming the datacenter again.
/// </summary>
public sealed class SnapshotCommands(
    IDbContextFactory<PortalDbContext> dbFactory, ClusterCommands commands, DeploymentEngines engines, ClusterSecretStore secretStore, AuditLog audit)
{
    public const string TakeAction = "cluster.snapshot", RestoreAction = "cluster.snapshot.restore";

    /// <summary>Null when there is no such cluster the caller may see; empty for a cluster not deployed or an engine without a bucket.</summary>
    public async Task<SnapshotListView?> ListAsync(Caller caller, string name, CancellationToken cancellationToken)
    {
        Cluster? cluster;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
            cluster = await TeamVisibility.FindAsync(db, await caller.NowAsync(db, cancellationToken), name, cancellationToken);
        if (cluster is null) return null;
        return new SnapshotListView([.. (await StoredAsync(cluster, cancellationToken)).Select(SnapshotView.From)]);
    }

    public Task<CommandResult<ClusterOperationView>> TakeAsync(Caller caller, string name, CancellationToken cancellationToken) =>
        commands.EnqueueAsync(caller, name, OperationKind.Snapshot, TakeAction, Unsnapshottable, spec: null, zoneOf: null, cancellationToken);

    public async Task<CommandResult<ClusterOperationView>> RestoreAsync(
        Caller caller, string name, string snapshotId, RestoreSnapshotRequest request, CancellationToken cancellationToken)
    {
        var datacenter = request.Datacenter?.Trim();
        if (string.IsNullOrEmpty(datacenter))
            return Invalid("'datacenter' is required: type the snapshot's datacenter to confirm that its KV is replaced.");
        Cluster cluster;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var (owned, current, refusal) = await ClusterOwners.FindOwnedAsync<ClusterOperationView>(db, audit, caller, name, RestoreAction, "restore a snapshot", cancellationToken);
            if (refusal is not null) return refusal;
            (cluster, caller) = (owned!, current);
        }
        if (!cluster.Spec.AvailabilityZones.Contains(datacenter, StringComparer.Ordinal))
            return Invalid($"'{datacenter}' is not a datacenter of cluster '{name}': its datacenters are {string.Join(" and ", cluster.Spec.AvailabilityZones)}.");
        if (Unsnapshottable(cluster) is { } refused) return refused;
        var snapshot = (await StoredAsync(cluster, cancellationToken)).FirstOrDefault(s => s.Id == snapshotId);
        if (snapshot is null) return CommandResult<ClusterOperationView>.NotFound($"Cluster '{name}' has no snapshot '{snapshotId}' (it may have expired).");
        if (!string.Equals(snapshot.Datacenter, datacenter, StringComparison.Ordinal))
            return Invalid($"'{datacenter}' is not the datacenter of snapshot {snapshot.Id}: type {snapshot.Datacenter}, the only one it can be restored into.");
        return await commands.EnqueueAsync(caller, name, OperationKind.Restore, RestoreAction, Unsnapshottable, spec: null, _ => snapshot.Datacenter, cancellationToken,
            operation => operation.SnapshotId = snapshot.Id);
    }

    private async Task<IReadOnlyList<ConsulSnapshot>> StoredAsync(Cluster cluster, CancellationToken cancellationToken)
    {
        if (cluster.Status is not (ClusterStatus.Ready or ClusterStatus.Degraded) || engines.Find(cluster.Engine)?.Snapshots is not { } snapshots) return [];
        var context = EngineContexts.ForHealthCheck(cluster, await secretStore.ForAsync(cluster, cancellationToken));
        return await snapshots.ListAsync(TopologyPlanBuilder.Build(cluster.Spec), context, cancellationToken);
    }

    private CommandResult<ClusterOperationView>? Unsnapshottable(Cluster cluster)
    {
        if (engines.Find(cluster.Engine)?.Snapshots is null)
            return CommandResult<ClusterOperationView>.Conflict($"Cluster '{cluster.Name}' runs on the {cluster.Engine} engine, which cannot reach its snapshot bucket yet.");
        return cluster.Status is ClusterStatus.Ready or ClusterStatus.Degraded
            ? null
            : CommandResult<ClusterOperationView>.Conflict(
                $"Cluster '{cluster.Name}' is {cluster.Status.ToString().ToLowerInvariant()}: snapshots need a deployed cluster (ready or degraded).");
    }

    private static CommandResult<ClusterOperationView> Invalid(string message) =>
        CommandResult<ClusterOperationView>.Invalid(new Dictionary<string, string[]> { ["datacenter"] = [message] });
}
