using Microsoft.Extensions.Primitives;
using Portal.Data;

namespace Portal.Clusters;

/// <summary>
/// A cluster's entity tag: every change to the row moves <see cref="Cluster.UpdatedAt"/>, so its
/// ticks identify the version a client saw. <c>If-Match</c> uses strong comparison (RFC 9110 §13.1.1).
/// </summary>
public static class ClusterETag
{
    public static string Of(Cluster cluster) => $"\"{cluster.Id:N}-{cluster.UpdatedAt.UtcTicks:x}\"";

    /// <summary>True when there is no precondition, or it names this version (or <c>*</c>).</summary>
    public static bool Matches(StringValues ifMatch, Cluster cluster)
    {
        if (StringValues.IsNullOrEmpty(ifMatch)) return true;
        var current = Of(cluster);
        return ifMatch.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Any(tag => tag == "*" || tag == current);
    }
}
