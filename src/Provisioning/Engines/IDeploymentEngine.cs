using Provisioning.Health;
using Provisioning.Security;
using Provisioning.Topology;

namespace Provisioning.Engines;

/// <summary>
/// Deploys a <see cref="TopologyPlan"/>. Every method reports progress to the sink and stops at
/// a safe point when <c>cancellationToken</c> fires, returning <see cref="DeploymentOutcome.Cancelled"/>
/// rather than throwing; whether that was a user's cancel or a shutdown is the caller's business.
/// Operations are idempotent: running one again after a crash completes what is missing.
/// </summary>
public interface IDeploymentEngine
{
    /// <summary>The engine's name as users see it, one of <see cref="EngineNames"/>.</summary>
    string Name { get; }

    Task<DeploymentResult> UpAsync(TopologyPlan plan, DeploymentContext context, IDeploymentEventSink sink, CancellationToken cancellationToken);

    Task<DeploymentResult> DestroyAsync(TopologyPlan plan, DeploymentContext context, IDeploymentEventSink sink, CancellationToken cancellationToken);

    Task<DeploymentResult> RefreshAsync(TopologyPlan plan, DeploymentContext context, IDeploymentEventSink sink, CancellationToken cancellationToken);

    /// <summary>
    /// Asks Consul itself, on one server of each datacenter, how the cluster is (consul-topology.md,
    /// "Checking Consul's health from the portal"). One attempt: the caller decides how long to keep trying.
    /// A datacenter that cannot be asked is reported unreachable, never thrown.
    /// </summary>
    Task<ClusterHealth> CheckHealthAsync(TopologyPlan plan, DeploymentContext context, CancellationToken cancellationToken);

    /// <summary>
    /// What an <see cref="UpAsync"/> would change, without changing anything: each planned step is reported
    /// as a diagnostic, and a successful result's outputs are the <see cref="PreviewResult"/>.
    /// </summary>
    Task<DeploymentResult> PreviewAsync(TopologyPlan plan, DeploymentContext context, IDeploymentEventSink sink, CancellationToken cancellationToken);

    /// <summary>
    /// Null when the engine can deploy right now; otherwise what is wrong, in words an operator can act on.
    /// <c>/health/ready</c> asks on every probe: an engine caches anything that spawns a process.
    /// </summary>
    Task<string?> ReadinessProblemAsync(CancellationToken cancellationToken);

    /// <summary>The engine's zone-outage drill, or null when it offers none (only the simulated engine does).</summary>
    IZoneOutageDrill? ZoneOutageDrill { get; }

    /// <summary>The cluster's Consul snapshots (its snapshot bucket), or null when the engine cannot reach them.</summary>
    IConsulSnapshots? Snapshots { get; }
}

/// <summary>
/// The zone-outage drill: an engine that can take one Availability Zone down and bring it back, so
/// a team sees what "survives the loss of one AZ" means. Only the simulated engine offers it.
/// </summary>
public interface IZoneOutageDrill
{
    Task<DeploymentResult> TakeZoneDownAsync(TopologyPlan plan, DeploymentContext context, string zone, IDeploymentEventSink sink, CancellationToken cancellationToken);

    Task<DeploymentResult> RestoreZoneAsync(TopologyPlan plan, DeploymentContext context, string zone, IDeploymentEventSink sink, CancellationToken cancellationToken);
}

/// <summary>What the engine needs to know beyond the plan.</summary>
/// <param name="StackName">One stack per cluster; the engine keeps its state under this name.</param>
/// <param name="Resumed">True when an earlier attempt of the same operation was interrupted (crash, restart).</param>
/// <param name="Secrets">The cluster's gossip key, CA and ACL tokens; engines pass them on as secrets and never report them.</param>
/// <param name="Faults">Failures to inject; only the simulated engine accepts them.</param>
public sealed record DeploymentContext(
    string StackName,
    bool Resumed,
    ClusterSecrets Secrets,
    SimulatedFaults? Faults = null);

/// <summary>Fault injection for the simulated engine.</summary>
/// <param name="FailResource">The logical name of a resource whose create fails.</param>
/// <param name="FailCheck">A Consul health check that fails on every check of the cluster.</param>
/// <param name="FailReplacement">The n-th node (1 = the first) a rolling upgrade replaces never becomes healthy.</param>
public sealed record SimulatedFaults(string? FailResource, SimulatedHealthFault? FailCheck = null, int? FailReplacement = null);

/// <summary>What can be wrong with a simulated Consul, one per health check.</summary>
public enum SimulatedHealthFault { NoLeader, MissingVoter, NoFailureTolerance, WanMemberDown, DnsFails, ReplicationStopped }

public enum DeploymentOutcome { Succeeded, Failed, Cancelled }

public sealed record DeploymentResult(
    DeploymentOutcome Outcome,
    string? Error = null,
    IReadOnlyList<string>? FailedResources = null,
    System.Text.Json.Nodes.JsonObject? Outputs = null,
    RolloutStop? Rollout = null)
{
    public static DeploymentResult Cancelled() => new(DeploymentOutcome.Cancelled, "The operation was stopped at a safe point.");
}
