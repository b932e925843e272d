using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Portal.Deployments;

namespace Portal.Health;

/// <summary>The configured engine (<c>Provisioning:Engine</c>) is registered and its <see cref="IEngineReadiness"/> reports no problem.</summary>
internal sealed class EngineHealthCheck(DeploymentEngines engines, IEnumerable<IEngineReadiness> readiness, IOptions<ProvisioningOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var name = options.Value.Engine.ToString().ToLowerInvariant();
        var data = new Dictionary<string, object> { ["engine"] = name };
        if (engines.Find(name) is null)
            return HealthCheckResult.Unhealthy($"The configured engine '{name}' (Provisioning:Engine) is not available in this portal.", data: data);
        // An engine without a readiness check has nothing outside the process to look at.
        if (readiness.FirstOrDefault(r => r.Engine == name) is not { } check)
            return HealthCheckResult.Healthy($"The {name} engine is registered", data);
        var problem = await check.ProblemAsync(cancellationToken);
        return problem is null
            ? HealthCheckResult.Healthy($"The {name} engine is ready", data)
            : HealthCheckResult.Unhealthy($"The {name} engine cannot deploy: {problem}", data: data);
    }
}
