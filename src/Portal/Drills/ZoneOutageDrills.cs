using Portal.Api;
using Portal.Clusters;
using Portal.Data;
using Portal.Identity;
using Provisioning.Engines;

namespace Portal.Drills;

/// <summary>The body of <c>POST /api/v1/clusters/{name}/drills/zone-outage</c>.</summary>
public sealed class ZoneOutageRequest
{
    /// <summary>The Availability Zone to take down: one of the cluster's two.</summary>
    public string? Zone { get; set; }
}

/// <summary>
/// The zone-outage drill (simulated engine only): take one AZ down, then restore it. Each is an operation
/// like any other: audited, streamed, held by the one-operation-per-cluster rule, and resumed after a crash.
/// </summary>
public sealed class ZoneOutageDrills(ClusterCommands commands)
{
    public const string StartAction = "cluster.drill.zone-outage", RestoreAction = "cluster.drill.zone-restore";

    public Task<CommandResult<ClusterOperationView>> StartAsync(Caller caller, string clusterName, ZoneOutageRequest request, CancellationToken cancellationToken)
    {
        var zone = request.Zone?.Trim();
        if (string.IsNullOrEmpty(zone))
            return Task.FromResult(CommandResult<ClusterOperationView>.Invalid(new Dictionary<string, string[]>
            {
                ["zone"] = ["'zone' is required: the Availability Zone to take down, one of the cluster's two."],
            }));
        return commands.EnqueueAsync(caller, clusterName, OperationKind.ZoneOutage, StartAction, cluster =>
        {
            if (Undrillable(cluster) is { } refused) return refused;
            var zones = ClusterZones(cluster);
            if (!zones.Contains(zone, StringComparer.Ordinal))
                return CommandResult<ClusterOperationView>.Invalid(new Dictionary<string, string[]>
                {
                    ["zone"] = [$"'{zone}' is not a zone of cluster '{cluster.Name}': choose {string.Join(" or ", zones)}."],
                });
            return cluster.ZoneOutage is { } down
                ? CommandResult<ClusterOperationView>.Conflict($"Zone {down} of cluster '{cluster.Name}' is already down in a drill: restore it first.")
                : null;
        }, spec: null, _ => zone, cancellationToken);
    }

    public Task<CommandResult<ClusterOperationView>> RestoreAsync(Caller caller, string clusterName, CancellationToken cancellationToken)
    {
        return commands.EnqueueAsync(caller, clusterName, OperationKind.ZoneRestore, RestoreAction, cluster =>
        {
            if (Undrillable(cluster) is { } refused) return refused;
            return cluster.ZoneOutage is null ? CommandResult<ClusterOperationView>.Conflict($"No zone of cluster '{cluster.Name}' is down: there is nothing to restore.") : null;
        }, spec: null, cluster => cluster.ZoneOutage, cancellationToken);
    }

    private static CommandResult<ClusterOperationView>? Undrillable(Cluster cluster)
    {
        if (cluster.Engine != EngineNames.Simulated)
            return CommandResult<ClusterOperationView>.Conflict(
                $"Cluster '{cluster.Name}' runs on the {cluster.Engine} engine: zone-outage drills run on simulated clusters only, so that no real zone is ever cut off.");
        return cluster.Status is ClusterStatus.Ready or ClusterStatus.Degraded
            ? null
            : CommandResult<ClusterOperationView>.Conflict(
                $"Cluster '{cluster.Name}' is {cluster.Status.ToString().ToLowerInvariant()}: a drill needs a deployed cluster (ready or degraded).");
    }

    private static IReadOnlyList<string> ClusterZones(Cluster cluster) =>
        cluster.Spec.AvailabilityZones;
}
