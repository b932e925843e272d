using System.ComponentModel.DataAnnotations;

namespace Portal.Api;

/// <summary>Bound from <c>Api</c>.</summary>
public sealed class ApiOptions
{
    /// <summary>How often a quiet event stream sends a comment; shorter than the idle timeout of any proxy in between.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan EventStreamHeartbeat { get; set; } = TimeSpan.FromSeconds(15);
}
