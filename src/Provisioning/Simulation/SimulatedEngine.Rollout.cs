using Provisioning.Engines;
using Provisioning.Topology;

namespace Provisioning.Simulation;

/// <summary>The simulated engine's rolling upgrade and its snapshot bucket.</summary>
public sealed partial class SimulatedEngine : IConsulSnapshots
{
    public IConsulSnapshots? Snapshots => this;

    private SimulatedSnapshots Bucket => new(store, options, time);

    /// <summary>Nodes on an older launch template are replaced the Consul way once the templates are updated.</summary>
    private Task<RolloutResult> RollAsync(TopologyPlan plan, DeploymentContext context, IDeploymentEventSink sink, CancellationToken cancellationToken)
    {
        var fleet = new SimulatedFleet(store, plan, context, Bucket, DelayAsync, token => CheckHealthAsync(plan, context, token));
        return new RollingUpgrade(fleet, plan.Spec, options.RolloutHealthAttempts).RunAsync(sink, cancellationToken);
    }

    public Task<IReadOnlyList<ConsulSnapshot>> ListAsync(TopologyPlan plan, DeploymentContext context, CancellationToken cancellationToken) =>
        Bucket.ListAsync(context.StackName, plan);

    public async Task<DeploymentResult> TakeAsync(TopologyPlan plan, DeploymentContext context, string reason, IDeploymentEventSink sink, CancellationToken cancellationToken)
    {
        foreach (var dc in plan.Spec.AvailabilityZones.Select((_, zone) => Consul.ConsulAgentConfigs.Datacenter(plan.Spec, zone)))
        {
            if (cancellationToken.IsCancellationRequested) return DeploymentResult.Cancelled();
            var name = $"snapshot/{dc}";
            await sink.EmitAsync(EngineEvent.Started(name, RollingUpgrade.SnapshotType, "create", $"consul snapshot save on the leader of {dc}"), CancellationToken.None);
            await DelayAsync(TimeSpan.FromSeconds(4), CancellationToken.None);
            var snapshot = await Bucket.SaveAsync(context.StackName, plan, dc, reason);
            await sink.EmitAsync(EngineEvent.Succeeded(name, RollingUpgrade.SnapshotType, "create",
                $"Saved snapshot {snapshot.Id} of {dc} ({snapshot.SizeBytes} bytes) to the snapshot bucket"), CancellationToken.None);
        }
        return new DeploymentResult(DeploymentOutcome.Succeeded);
    }

    public async Task<DeploymentResult> RestoreAsync(TopologyPlan plan, DeploymentContext context, string snapshotId, IDeploymentEventSink sink, CancellationToken cancellationToken)
    {
        if (await Bucket.FindAsync(context.StackName, plan, snapshotId) is not { } snapshot)
            return new DeploymentResult(DeploymentOutcome.Failed, $"The snapshot bucket holds no snapshot '{snapshotId}' (it may have expired).");
        var name = $"snapshot/{snapshot.Datacenter}";
        await sink.EmitAsync(EngineEvent.Started(name, RollingUpgrade.SnapshotType, "restore", $"consul snapshot restore of {snapshot.Id} on the leader of {snapshot.Datacenter}"), CancellationToken.None);
        await DelayAsync(TimeSpan.FromSeconds(6), CancellationToken.None);
        await Bucket.RestoreAsync(context.StackName, plan, snapshot);
        await sink.EmitAsync(EngineEvent.Succeeded(name, RollingUpgrade.SnapshotType, "restore",
            $"Restored {snapshot.Id} into {snapshot.Datacenter}: its KV is as it was at {snapshot.TakenAt:u}"), CancellationToken.None);
        return new DeploymentResult(DeploymentOutcome.Succeeded);
    }
}
