namespace Provisioning.Simulation;

/// <summary>Bound from <c>Provisioning:Simulated</c>.</summary>
public sealed class SimulatedEngineOptions
{
    /// <summary>
    /// Multiplies AWS-like latencies: 1 takes minutes like AWS, the default makes a create take
    /// 10–30 s, 0 is instant (tests).
    /// </summary>
    public double TimeScale { get; set; } = 0.15;

    /// <summary>How many resources are created at once, like <c>pulumi up --parallel</c>.</summary>
    public int Parallelism { get; set; } = 10;

    /// <summary>Availability Zones that are "down": auto-scaling groups pinned there never become healthy.</summary>
    public List<string> DownZones { get; set; } = [];

    /// <summary>How many times a rolling upgrade checks a new server (10 simulated seconds apart) before it stops.</summary>
    public int RolloutHealthAttempts { get; set; } = 6;

    /// <summary>How long the simulated snapshot bucket keeps a snapshot: its lifecycle expiry (<c>Snapshots:RetentionDays</c>).</summary>
    public int SnapshotRetentionDays { get; set; } = 30;
}
