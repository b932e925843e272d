using Portal.Clusters;
using Portal.Identity;

namespace Portal.Monitoring;

/// <summary>Reads a cluster's Consul health and checks it on demand, for the pages and the API alike.</summary>
public sealed class ClusterHealthService
{
    /// <summary>The latest check, or <c>unknown</c>; null when the caller may not see the cluster.</summary>
    public Task<ClusterHealthView?> LatestAsync(Caller caller, string clusterName, CancellationToken cancellationToken) =>
        throw new NotImplementedException("issue 12: in progress");

    /// <summary>Checks Consul now (one attempt), stores the result and returns it.</summary>
    public Task<CommandResult<ClusterHealthView>> CheckNowAsync(Caller caller, string clusterName, CancellationToken cancellationToken) =>
        throw new NotImplementedException("issue 12: in progress");
}
