using System.Text.Json;
using Provisioning.Clusters;

namespace Provisioning.Consul;

/// <summary>
/// The unified CloudWatch agent's configuration: the Consul log, the system log and the boot log,
/// each to the cluster's log group, one stream per instance.
/// </summary>
public sealed record CloudWatchAgentConfig(CloudWatchLogs Logs)
{
    public const string Path = "/opt/aws/amazon-cloudwatch-agent/etc/consul-cluster.json";

    /// <summary>Expanded by the agent itself, not by the shell.</summary>
    private const string InstanceIdStream = "{instance_id}";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    public static CloudWatchAgentConfig For(ClusterSpec spec) => new(new CloudWatchLogs(new LogsCollected(new CollectedFiles(
    [
        // Consul rotates into consul-<timestamp>.log beside consul.log; the wildcard follows both.
        new CollectedFile(ConsulPaths.LogDir + "/consul*.log", ClusterNames.LogGroupName(spec, ClusterNames.ConsulLogGroup), InstanceIdStream, "UTC"),
        new CollectedFile(ConsulPaths.SystemLog, ClusterNames.LogGroupName(spec, ClusterNames.SystemLogGroup), InstanceIdStream, "UTC"),
        new CollectedFile(ConsulPaths.BootLog, ClusterNames.LogGroupName(spec, ClusterNames.BootLogGroup), InstanceIdStream, "UTC"),
    ]))));

    public string ToJson() => JsonSerializer.Serialize(this, Options);
}

public sealed record CloudWatchLogs(LogsCollected LogsCollected);

public sealed record LogsCollected(CollectedFiles Files);

public sealed record CollectedFiles(IReadOnlyList<CollectedFile> CollectList);

public sealed record CollectedFile(string FilePath, string LogGroupName, string LogStreamName, string Timezone);
