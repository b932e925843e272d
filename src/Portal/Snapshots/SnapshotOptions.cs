using System.ComponentModel.DataAnnotations;

namespace Portal.Snapshots;

/// <summary>Bound from <c>Snapshots</c>: how often the servers save a snapshot of their datacenter, and how long the bucket keeps them.</summary>
public sealed class SnapshotOptions
{
    public const string Section = "Snapshots";

    /// <summary>The servers' timer: every interval, the leader of each datacenter saves a snapshot to the cluster's bucket.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "7.00:00:00", ErrorMessage = "Snapshots:Interval must be between 5 minutes and 7 days.")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The bucket's lifecycle rule expires snapshots older than this many days.</summary>
    [Range(1, 3650, ErrorMessage = "Snapshots:RetentionDays must be between 1 and 3650.")]
    public int RetentionDays { get; set; } = 30;
}
