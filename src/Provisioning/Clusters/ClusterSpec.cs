namespace Provisioning.Clusters;

/// <summary>The validated, fully defaulted inputs of one dual-AZ Consul cluster.</summary>
public sealed record ClusterSpec
{
    public required string Name { get; init; }
    public required string Region { get; init; }
    public required IReadOnlyList<string> AvailabilityZones { get; init; }
    public required string VpcCidr { get; init; }
    public required string ServerInstanceType { get; init; }
    public required string ClientInstanceType { get; init; }
    public int ServersPerAz { get; init; } = 3;
    public int ClientCount { get; init; } = 5;
    public required string ConsulVersion { get; init; }
    public string? AdminCidr { get; init; }
    public int LogRetentionDays { get; init; } = 30;
    public int? TimeToLiveHours { get; init; }

    [System.Text.Json.Serialization.JsonIgnore] public string AzA => AvailabilityZones[0];
    [System.Text.Json.Serialization.JsonIgnore] public string AzB => AvailabilityZones[1];
}
