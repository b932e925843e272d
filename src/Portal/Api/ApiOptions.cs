using System.ComponentModel.DataAnnotations;

namespace Portal.Api;

/// <summary>Bound from <c>Api</c>.</summary>
public sealed class ApiOptions
{
    /// <summary>How often a quiet event stream sends a comment; shorter than the idle timeout of any proxy in between.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan EventStreamHeartbeat { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// API and OpenAPI answers shorter than this go out uncompressed: below about 1 KiB compression saves a few
    /// bytes and costs more CPU than it saves on the wire.
    /// </summary>
    [Range(0, 1024 * 1024)]
    public int CompressionMinimumBytes { get; set; } = 1024;

    /// <summary>
    /// The address clients reach the portal at, as the OpenAPI document's server: configured, never taken from a
    /// request's Host (which a client or a proxy chooses).
    /// </summary>
    [Required, Url]
    public string PublicUrl { get; set; } = "http://localhost:8080";
}
