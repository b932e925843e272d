using Microsoft.Extensions.Diagnostics.HealthChecks;
using Portal.Deployments;
using Portal.Engines;

namespace Portal.Health;

/// <summary>The configured engine (<c>Provisioning:Engine</c>) is registered and reports no readiness problem.</summary>
internal sealed class EngineHealthCheck(DeploymentEngines engines) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var name = engines.ConfiguredName;
        var data = new Dictionary<string, object> { ["engine"] = name };
        if (engines.Find(name) is not { } engine)
            return HealthCheckResult.Unhealthy($"The configured engine '{name}' (Provisioning:Engine) is not available in this portal.", data: data);
        var problem = await engine.ReadinessProblemAsync(cancellationToken);
        return problem is null
            ? HealthCheckResult.Healthy($"The {name} engine is ready", data)
            : HealthCheckResult.Unhealthy($"The {name} engine cannot deploy: {problem}", data: data);
    }
}
