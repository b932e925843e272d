using System.ComponentModel.DataAnnotations;

namespace Portal.Deployments;

/// <summary>Bound from <c>Deployments</c>.</summary>
public sealed class DeploymentOptions
{
    /// <summary>How many operations one portal process runs at once.</summary>
    [Range(1, 256)]
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>How long a claim on an operation lasts without renewal; after that another worker may resume it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the worker looks for queued work when nothing woke it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a stopping portal (SIGTERM, <c>docker stop</c>) waits for running operations to reach a
    /// safe point and hand their lease back. The Pulumi engine needs its <c>CancelTimeout</c> plus a few
    /// seconds; give the container at least this much grace (<c>docker stop -t</c>, Kubernetes'
    /// <c>terminationGracePeriodSeconds</c>). A portal killed sooner loses nothing: leases expire and
    /// the next start resumes the operations.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The identity this process claims operations under; host name and process id by default.</summary>
    public string WorkerId { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}";
}
