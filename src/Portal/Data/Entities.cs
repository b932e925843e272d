namespace Portal.Data;

/// <summary><c>Degraded</c>: deployed, but Consul's own health checks do not all pass.</summary>
public enum ClusterStatus { Requested, Provisioning, Ready, Degraded, Failed, Destroying, Destroyed }

/// <summary>
/// <c>RolloutContinue</c> and <c>RolloutRollback</c> go on from a stopped rolling upgrade, to its version or back to the
/// cluster's; <c>Snapshot</c> saves one of each datacenter, <c>Restore</c> puts one back into its datacenter.
/// </summary>
public enum OperationKind { Create, Update, Preview, Refresh, Destroy, ZoneOutage, ZoneRestore, RolloutContinue, RolloutRollback, Snapshot, Restore }

public enum OperationState { Queued, Running, Succeeded, Failed, Cancelling, Cancelled }

/// <summary>A Consul cluster as the portal knows it. The spec is stored as a JSON document, the outputs are one.</summary>
public sealed class Cluster
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    public required string Team { get; set; }

    /// <summary>Setting it also sets <see cref="VpcCidr"/>; EF Core reads both from their columns.</summary>
    public required Provisioning.Clusters.ClusterSpec Spec
    {
        get;
        set
        {
            field = value;
            VpcCidr = value.VpcCidr;
        }
    }

    /// <summary>The spec's VPC range in a column of its own, so that overlap checks need not decode every spec.</summary>
    public string VpcCidr { get; private set; } = "";

    public ClusterStatus Status { get; set; } = ClusterStatus.Requested;
    public required string Engine { get; set; }
    public string? OutputsJson { get; set; }

    /// <summary>
    /// The cluster's secrets (gossip key, CA, ACL tokens), encrypted with Data Protection: they must never
    /// be readable from the database alone. See <see cref="Engines.ClusterSecretStore"/>.
    /// </summary>
    public required string ProtectedSecrets { get; set; }

    /// <summary>Fault injection requested at creation (simulated engine only).</summary>
    public Provisioning.Engines.SimulatedFaults? Simulation { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>What the latest Consul health check said; <see cref="ClusterHealthCheck"/> keeps the full history.</summary>
    public Provisioning.Health.HealthStatus Health { get; set; }
    public DateTimeOffset? HealthCheckedAt { get; set; }

    /// <summary>The names of the checks that failed in the latest health check; null when none did.</summary>
    public IReadOnlyList<string>? FailingChecks { get; set; }

    /// <summary>When the scheduled health check is due; a monitor claims a check by moving it forward.</summary>
    public DateTimeOffset? NextHealthCheckAt { get; set; }

    /// <summary>The Availability Zone a zone-outage drill has taken down, until it is restored.</summary>
    public string? ZoneOutage { get; set; }

    /// <summary>When the portal destroys the cluster by itself; null for none. Set at create from the time to live, moved by PATCH.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    public List<Operation> Operations { get; set; } = [];
}

/// <summary>One Consul health check of a cluster, kept as history.</summary>
public sealed class ClusterHealthCheck
{
    public long Id { get; set; }
    public Guid ClusterId { get; set; }
    public DateTimeOffset CheckedAt { get; set; }
    public Provisioning.Health.HealthStatus Status { get; set; }

    /// <summary>What ran it: <c>verification</c>, <c>schedule</c>, <c>manual</c> or <c>drill</c>.</summary>
    public required string Trigger { get; set; }

    /// <summary>The cluster's health changed with this check (healthy to degraded or back).</summary>
    public bool StatusChanged { get; set; }

    /// <summary>The whole report, every check with what was seen (stored as JSON).</summary>
    public required Provisioning.Health.ClusterHealth Report { get; set; }
}

/// <summary>One run of the engine against a cluster; its row is the truth about where it stands.</summary>
public sealed class Operation
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid ClusterId { get; set; }
    public Cluster Cluster { get; set; } = null!;
    public OperationKind Kind { get; set; }
    public OperationState State { get; set; } = OperationState.Queued;

    /// <summary>The spec this operation deploys; for updates it differs from the cluster's until success.</summary>
    public required Provisioning.Clusters.ClusterSpec Spec { get; set; }

    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }

    /// <summary>How many times a worker has claimed it; more than one means it was resumed.</summary>
    public int Attempt { get; set; }

    public string? Error { get; set; }
    /// <summary>The resources that failed; null when none did.</summary>
    public IReadOnlyList<string>? FailedResources { get; set; }
    public int ProgressTotal { get; set; }
    public int ProgressDone { get; set; }
    public int ProgressFailed { get; set; }

    /// <summary>The highest event sequence stored so far; the next event gets this plus one.</summary>
    public int LastSequence { get; set; }

    /// <summary>What a finished operation found, as JSON; a preview stores its change summary here.</summary>
    public string? ResultJson { get; set; }

    /// <summary>The Availability Zone a zone-outage drill takes down or restores.</summary>
    public string? Zone { get; set; }

    /// <summary>The snapshot a restore puts back (its id in the cluster's snapshot bucket).</summary>
    public string? SnapshotId { get; set; }

    /// <summary>The failed or cancelled operation this one retries; a retry refreshes before it runs again.</summary>
    public Guid? RetryOfId { get; set; }

    /// <summary>The preview this update applies, with the preview's spec; a preview is applied at most once (a unique index).</summary>
    public Guid? PreviewOfId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }

    public static readonly OperationState[] ActiveStates = [OperationState.Queued, OperationState.Running, OperationState.Cancelling];

    public bool IsActive => ActiveStates.Contains(State);
}

/// <summary>
/// A reminder to a cluster's team that the portal will destroy it soon (24 h and 1 h before), raised once for each expiry:
/// extending the time to live gives the new expiry reminders of its own.
/// </summary>
public sealed class ExpiryReminder
{
    public long Id { get; set; }
    public Guid ClusterId { get; set; }
    public Cluster Cluster { get; set; } = null!;

    /// <summary>How long before the expiry it is raised: <see cref="ExpiryReminders.DayBefore"/> or <see cref="ExpiryReminders.HourBefore"/>.</summary>
    public required string Kind { get; set; }

    /// <summary>The expiry it warns of.</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset RaisedAt { get; set; }
}

public static class ExpiryReminders
{
    public const string DayBefore = "24h", HourBefore = "1h";
}

/// <summary>Something that happened during an operation, numbered gap-free per operation.</summary>
public sealed class DeploymentEvent
{
    public long Id { get; set; }
    public Guid OperationId { get; set; }
    public int Sequence { get; set; }
    public DateTimeOffset Timestamp { get; set; }
    public required string Type { get; set; }
    public string? ResourceName { get; set; }
    public string? ResourceType { get; set; }
    public string? ResourceOp { get; set; }
    public required string Message { get; set; }
    public required string Severity { get; set; }
}

/// <summary>A resource that exists in the simulated cloud (the simulated engine's state store).</summary>
public sealed class SimulatedResourceRow
{
    public required string Stack { get; set; }
    public required string Name { get; set; }
    public required string Type { get; set; }
    public required string ResourceId { get; set; }
    public required string OutputsJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
