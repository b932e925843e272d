using System.Text.Json;
using Provisioning.Clusters;
using Provisioning.Engines;

namespace Portal.Deployments;

/// <summary>
/// Where a rolling upgrade stopped, kept as its operation's result: the database holds what continue and roll back
/// need. <paramref name="FromVersion"/> is the cluster's version before the rollout, <paramref name="ToVersion"/> the one it was rolling to.
/// </summary>
public sealed record RolloutStopRecord(string Node, string Replaced, string Datacenter, string Reason, string FromVersion, string ToVersion)
{
    /// <summary>Tells a rollout's stop apart from any other result an operation keeps.</summary>
    public string? Kind { get; init; }

    private const string RolloutKind = "rollout-stop";

    public static RolloutStopRecord Of(RolloutStop stop, ClusterSpec from, ClusterSpec to) =>
        new(stop.Node, stop.Replaced, stop.Datacenter, stop.Reason, from.ConsulVersion, to.ConsulVersion) { Kind = RolloutKind };

    public string ToJson() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);

    public static RolloutStopRecord? TryRead(string? json)
    {
        if (json is null) return null;
        try
        {
            var record = JsonSerializer.Deserialize<RolloutStopRecord>(json, JsonSerializerOptions.Web);
            return record?.Kind == RolloutKind ? record : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
