using Portal.Data;
using Provisioning.Engines;
using Provisioning.Security;

namespace Portal.Engines;

/// <summary>What an engine is told about a cluster, for its operations and its health checks alike.</summary>
internal static class EngineContexts
{
    /// <summary>
    /// A failing resource belongs to the create request: it hits that request's first run only, so that retry shows
    /// recovery. A failing health check is how that simulated Consul is: every check of the cluster sees it. A failing
    /// replacement belongs to rollouts: continuing or rolling back a stopped one does not meet it again.
    /// </summary>
    public static DeploymentContext For(Cluster cluster, ClusterSecrets secrets, bool resumed, bool firstCreateRun, bool rolloutRecovery = false)
    {
        var faults = cluster.Simulation;
        if (faults is not null && !firstCreateRun) faults = faults with { FailResource = null };
        if (faults is not null && rolloutRecovery) faults = faults with { FailReplacement = null };
        return new DeploymentContext(cluster.Name, resumed, secrets, faults);
    }

    public static DeploymentContext ForHealthCheck(Cluster cluster, ClusterSecrets secrets) => For(cluster, secrets, resumed: false, firstCreateRun: false);
}
