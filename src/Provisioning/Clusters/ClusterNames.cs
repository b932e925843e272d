namespace Provisioning.Clusters;

/// <summary>
/// The AWS names derived from a cluster that both the plan and its agents must agree on: the tag cloud
/// auto-join filters on, the group and hook names a booting instance reports to, the log groups its agent
/// ships to. They live here, below Topology and Consul, so that each can use them without depending on the other.
/// </summary>
public static class ClusterNames
{
    /// <summary>The tag cloud auto-join filters on; its value names the cluster and the AZ.</summary>
    public const string JoinTagKey = "consul-join";

    /// <summary>The launching hook every group has: an instance counts only once its boot script says CONTINUE.</summary>
    public const string BootLifecycleHook = "consul-boot";

    /// <summary>The plan's logical names of the three log groups, the keys of <see cref="LogGroupName"/>.</summary>
    public const string ConsulLogGroup = "consulLogGroup", SystemLogGroup = "systemLogGroup", BootLogGroup = "bootLogGroup";

    public static string JoinTag(ClusterSpec spec, int zone) => $"{spec.Name}-{spec.AvailabilityZones[zone]}";
    public static string ServerGroupName(ClusterSpec spec, int zone) => $"{spec.Name}-server-{spec.AvailabilityZones[zone]}";
    public static string ClientGroupName(ClusterSpec spec) => $"{spec.Name}-client";

    public static string LogGroupName(ClusterSpec spec, string logGroup) => logGroup switch
    {
        ConsulLogGroup => $"/consul/{spec.Name}/consul",
        SystemLogGroup => $"/consul/{spec.Name}/system",
        BootLogGroup => $"/consul/{spec.Name}/boot",
        _ => throw new ArgumentOutOfRangeException(nameof(logGroup), logGroup, "Not a log group of the plan."),
    };

    /// <summary>
    /// IAM allows a prefix of at most 38 characters (64 minus the 26 Pulumi appends); with a name of at
    /// most 32 characters, the role is abbreviated.
    /// </summary>
    public static string RoleNamePrefix(string cluster, ConsulRole role) => $"{cluster}-{(role == ConsulRole.Server ? "srv" : "cli")}-";

    public static string SecurityGroupNamePrefix(string cluster, ConsulRole role) => $"{cluster}-{role.Key()}-";

    public static string KeyAliasName(string cluster) => $"alias/consul-{cluster}";
}
