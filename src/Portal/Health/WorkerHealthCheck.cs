using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Portal.Deployments;

namespace Portal.Health;

/// <summary>
/// The deployment worker's loop completes passes. A pass ends at most a poll interval after the
/// last, plus the time its database work takes; a loop that keeps failing stops ticking.
/// </summary>
internal sealed class WorkerHealthCheck(DeploymentWorker worker, IOptions<DeploymentOptions> options, TimeProvider time) : IHealthCheck
{
    /// <summary>Generous on purpose: a busy database slows a pass, and restarting a slow portal helps nobody.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(30);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var lastTick = worker.LastTick;
        if (lastTick == default)
            return Task.FromResult(HealthCheckResult.Unhealthy("The deployment worker has not completed a pass yet."));
        var age = time.GetUtcNow() - lastTick;
        var data = new Dictionary<string, object> { ["lastTick"] = lastTick, ["secondsSinceLastTick"] = Math.Round(age.TotalSeconds, 1) };
        return Task.FromResult(age <= options.Value.PollInterval + Slack
            ? HealthCheckResult.Healthy("The deployment worker is polling", data)
            : HealthCheckResult.Unhealthy($"The deployment worker's last pass was {age.TotalSeconds:0} s ago; see the log for 'deployment worker loop failed'.", data: data));
    }
}
