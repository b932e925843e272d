namespace Provisioning.Clusters;

/// <summary>
/// What a requester sends: every field optional, so that defaults can be filled in and
/// every problem reported at once. Mutable so that a form can bind to it.
/// </summary>
public class ClusterSpecInput
{
    public string? Name { get; set; }
    public string? Region { get; set; }
    public List<string>? AvailabilityZones { get; set; }
    public string? VpcCidr { get; set; }
    public string? ServerInstanceType { get; set; }
    public string? ClientInstanceType { get; set; }
    public int? ServersPerAz { get; set; }
    public int? ClientCount { get; set; }
    public string? ConsulVersion { get; set; }
    public string? AdminCidr { get; set; }
    public int? LogRetentionDays { get; set; }
    public int? TimeToLiveHours { get; set; }
}
