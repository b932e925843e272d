namespace Provisioning.Health;

/// <summary><c>Unknown</c> until the first check of a deployed cluster; the evaluator itself says healthy or degraded.</summary>
public enum HealthStatus { Unknown, Healthy, Degraded }

/// <summary>
/// What Consul itself says about a cluster, per datacenter and across both: the result of one
/// health check (consul-topology.md, "Checking Consul's health from the portal").
/// </summary>
public sealed record ClusterHealth(
    HealthStatus Status,
    DateTimeOffset CheckedAt,
    IReadOnlyList<DatacenterHealth> Datacenters,
    WanMembership WanMembers,
    IReadOnlyList<HealthCheckResult> Checks)
{
    public IEnumerable<HealthCheckResult> Failing => Checks.Where(c => !c.Passed);
}

/// <summary>One datacenter as its probed server saw it; not <paramref name="Reachable"/> when no server answered.</summary>
/// <param name="Leader">The leader's RPC address (<c>10.0.1.10:8300</c>), or null without a leader.</param>
/// <param name="ProbedInstance">The server the check ran on.</param>
/// <param name="Error">Why the datacenter could not be checked.</param>
public sealed record DatacenterHealth(
    string Name,
    bool Reachable,
    string? Leader,
    int? FailureTolerance,
    IReadOnlyList<ServerHealth> Servers,
    string? ProbedInstance = null,
    string? Error = null);

/// <summary>A server as autopilot reports it. <paramref name="Node"/> is the instance id (the agents' node name).</summary>
public sealed record ServerHealth(string Node, string Address, bool Voter, bool Healthy, bool Leader, string? Version = null);

/// <summary>Alive members of the WAN pool against the servers of both datacenters.</summary>
public sealed record WanMembership(int Alive, int Expected);

/// <summary>One named check, e.g. <c>leader/us-east-1a</c>; <paramref name="Detail"/> says what was seen.</summary>
public sealed record HealthCheckResult(string Name, bool Passed, string Detail);
