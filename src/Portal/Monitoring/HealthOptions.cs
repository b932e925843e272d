using System.ComponentModel.DataAnnotations;

namespace Portal.Monitoring;

/// <summary>Bound from <c>Health</c>: how Consul's own health is verified after a deployment and watched after that.</summary>
public sealed class HealthOptions
{
    public const string Section = "Health";

    /// <summary>How often every ready or degraded cluster is checked again.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00", ErrorMessage = "Health:Interval must be between 5 seconds and 1 day.")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a deployment keeps checking before it gives up and leaves the cluster degraded. A new server
    /// has already proved its boot (leader, membership, DNS), so a healthy cluster passes at the first attempts.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Health:VerifyTimeout must be between 0 and 1 hour.")]
    public TimeSpan VerifyTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The pause between two verification attempts.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "Health:VerifyRetryInterval must be between 0 and 10 minutes.")]
    public TimeSpan VerifyRetryInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the history of checks is kept.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "366.00:00:00", ErrorMessage = "Health:HistoryRetention must be between 1 hour and 366 days.")]
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromDays(14);
}
