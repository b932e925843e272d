using Provisioning.Topology;

namespace Provisioning.Engines;

/// <summary>A saved Consul snapshot of one datacenter. <paramref name="Reason"/>: <c>scheduled</c>, <c>manual</c> or <c>pre-upgrade</c>.</summary>
public sealed record ConsulSnapshot(string Id, string Datacenter, DateTimeOffset TakenAt, long SizeBytes, string Reason);

/// <summary>
/// The snapshots of a cluster's datacenters (<c>consul snapshot save</c> into the cluster's snapshot bucket) and
/// their restore. KV is not replicated between the datacenters, so a snapshot belongs to the one it was taken in.
/// </summary>
public interface IConsulSnapshots
{
    public const string Manual = "manual", Scheduled = "scheduled";

    /// <summary>The snapshots the bucket keeps (its lifecycle expires older ones), newest first.</summary>
    Task<IReadOnlyList<ConsulSnapshot>> ListAsync(TopologyPlan plan, DeploymentContext context, CancellationToken cancellationToken);

    /// <summary>Saves a snapshot of each datacenter now, on its leader.</summary>
    Task<DeploymentResult> TakeAsync(TopologyPlan plan, DeploymentContext context, string reason, IDeploymentEventSink sink, CancellationToken cancellationToken);

    /// <summary>Restores one snapshot into the datacenter it was taken in (<c>consul snapshot restore</c> on its leader).</summary>
    Task<DeploymentResult> RestoreAsync(TopologyPlan plan, DeploymentContext context, string snapshotId, IDeploymentEventSink sink, CancellationToken cancellationToken);
}
