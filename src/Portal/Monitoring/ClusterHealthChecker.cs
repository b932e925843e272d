using Portal.Auditing;
using Portal.Clusters;
using Portal.Data;
using Portal.Deployments;
using Portal.Engines;
using Provisioning.Health;
using Provisioning.Topology;

namespace Portal.Monitoring;

/// <summary>Asks a deployed cluster's engine how Consul is, once, and records the answer.</summary>
public sealed class ClusterHealthChecker(DeploymentEngines engines, ClusterSecretStore secrets, ClusterHealthRecorder recorder)
{
    /// <summary>The check's result, or null when this portal cannot run the cluster's engine.</summary>
    public async Task<ClusterHealth?> CheckAsync(Cluster cluster, string trigger, AuditActor actor, CancellationToken cancellationToken)
    {
        if (engines.Find(cluster.Engine) is not { } engine) return null;
        var spec = cluster.Spec;
        var context = EngineContexts.ForHealthCheck(cluster, await secrets.ForAsync(cluster, cancellationToken));
        var health = await engine.CheckHealthAsync(TopologyPlanBuilder.Build(spec), context, cancellationToken);
        await recorder.RecordAsync(cluster.Id, health, trigger, actor, applyStatus: true, CancellationToken.None);
        return health;
    }
}
