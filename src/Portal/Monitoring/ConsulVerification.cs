using Microsoft.Extensions.Options;
using Provisioning.Engines;
using Provisioning.Health;
using Provisioning.Topology;

namespace Portal.Monitoring;

/// <summary>
/// The last step of every deployment: a cluster is ready only when Consul says so. It checks until
/// every check passes or <see cref="HealthOptions.VerifyTimeout"/> has passed, reporting each attempt
/// as a step of its own in the operation's progress.
/// </summary>
public sealed class ConsulVerification(IOptions<HealthOptions> options, TimeProvider time)
{
    /// <summary>The verification's step in an operation's progress, beside the plan's resources.</summary>
    public const string Step = "consulHealth", StepType = "portal:consul:HealthVerification";

    /// <summary>The last check made, healthy or not; null when cancelled before any finished.</summary>
    public async Task<ClusterHealth?> RunAsync(
        IDeploymentEngine engine, TopologyPlan plan, DeploymentContext context, IDeploymentEventSink sink, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var deadline = time.GetUtcNow() + settings.VerifyTimeout;
        await sink.EmitAsync(EngineEvent.Started(Step, StepType, "verify",
            $"Verifying Consul on one server of each datacenter: leader, voters, failure tolerance, DNS, WAN pool and ACL replication (up to {Describe(settings.VerifyTimeout)})"), CancellationToken.None);
        ClusterHealth? health = null;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                health = await engine.CheckHealthAsync(plan, context, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return health;
            }
            if (health.Status == HealthStatus.Healthy)
            {
                await sink.EmitAsync(EngineEvent.Succeeded(Step, StepType, "verify", $"Consul verified healthy: {Summary(health)}"), CancellationToken.None);
                return health;
            }
            var failing = string.Join("; ", health.Failing.Select(c => $"{c.Name}: {c.Detail}"));
            var left = deadline - time.GetUtcNow();
            if (left <= settings.VerifyRetryInterval)
            {
                await sink.EmitAsync(EngineEvent.Failed(Step, StepType, "verify",
                    $"Consul did not become healthy within {Describe(settings.VerifyTimeout)} ({attempt} attempt(s)); the cluster is degraded. Failing: {failing}"), CancellationToken.None);
                return health;
            }
            await sink.EmitAsync(EngineEvent.Diagnostic($"Consul is not healthy yet (attempt {attempt}): {failing}. Checking again in {Describe(settings.VerifyRetryInterval)}.",
                EventSeverity.Warning), CancellationToken.None);
            try
            {
                await Task.Delay(settings.VerifyRetryInterval, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return health;
            }
        }
    }

    public static string Summary(ClusterHealth health) =>
        string.Join("; ", health.Datacenters.Select(dc => dc.Reachable
            ? $"{dc.Name} leader {dc.Leader ?? "none"}, {dc.Servers.Count(s => s.Voter && s.Healthy)} healthy voter(s), failure tolerance {dc.FailureTolerance}"
            : $"{dc.Name} unreachable"))
        + $"; WAN pool {health.WanMembers.Alive} of {health.WanMembers.Expected} alive";

    private static string Describe(TimeSpan span) =>
        span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#} min" : $"{span.TotalSeconds:0.#} s";
}
