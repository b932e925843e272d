using Portal.Clusters;
using Portal.Identity;

namespace Portal.Drills;

/// <summary>The body of <c>POST /api/v1/clusters/{name}/drills/zone-outage</c>.</summary>
public sealed class ZoneOutageRequest
{
    /// <summary>The Availability Zone to take down: one of the cluster's two.</summary>
    public string? Zone { get; set; }
}

/// <summary>The zone-outage drill (simulated engine only): take one AZ down, then restore it, as audited operations.</summary>
public sealed class ZoneOutageDrills
{
    public Task<CommandResult<ClusterOperationView>> StartAsync(Caller caller, string clusterName, ZoneOutageRequest request, CancellationToken cancellationToken) =>
        throw new NotImplementedException("issue 12: in progress");

    public Task<CommandResult<ClusterOperationView>> RestoreAsync(Caller caller, string clusterName, CancellationToken cancellationToken) =>
        throw new NotImplementedException("issue 12: in progress");
}
