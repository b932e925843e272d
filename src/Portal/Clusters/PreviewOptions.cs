using System.ComponentModel.DataAnnotations;

namespace Portal.Clusters;

/// <summary>Bound from <c>Previews</c>.</summary>
public sealed class PreviewOptions
{
    public const string Section = "Previews";

    /// <summary>
    /// How long a finished preview can be applied. Past it the answer is 410: what the cloud holds may have drifted since,
    /// so the change is reviewed again rather than applied from an old diff.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);
}
