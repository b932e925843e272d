using Provisioning.Health;

namespace Portal.Monitoring;

/// <summary>
/// A cluster's latest Consul health check as the API and the pages show it. Before the first check
/// (while the cluster deploys) the status is <c>unknown</c> and the lists are empty.
/// </summary>
/// <param name="Trigger">What ran the check: <c>verification</c>, <c>schedule</c>, <c>manual</c> or <c>drill</c>.</param>
public sealed record ClusterHealthView(
    HealthStatus Status,
    DateTimeOffset? CheckedAt,
    IReadOnlyList<DatacenterHealth> Datacenters,
    WanMembership WanMembers,
    IReadOnlyList<HealthCheckResult> Checks,
    string? Trigger = null)
{
    public static ClusterHealthView Unknown(int expectedWanMembers) => new(HealthStatus.Unknown, null, [], new WanMembership(0, expectedWanMembers), []);

    public static ClusterHealthView From(ClusterHealth health, string trigger) =>
        new(health.Status, health.CheckedAt, health.Datacenters, health.WanMembers, health.Checks, trigger);
}

/// <summary>What the cluster view carries of its health: enough for a list, the rest is one call away.</summary>
public sealed record ClusterHealthSummary(HealthStatus Status, DateTimeOffset? CheckedAt, IReadOnlyList<string> FailingChecks);
