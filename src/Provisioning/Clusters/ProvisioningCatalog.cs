namespace Provisioning.Clusters;

/// <summary>What requesters may choose from; bound from <c>Provisioning:Catalog</c> (appsettings.json holds the one the portal ships with).</summary>
public sealed class ProvisioningCatalog
{
    /// <summary>Region → its Availability Zones, in AWS order (the first two are the default pair).</summary>
    public Dictionary<string, List<string>> Regions { get; set; } = [];
    public List<string> InstanceTypes { get; set; } = [];
    public List<string> ConsulVersions { get; set; } = [];
    public string DefaultRegion { get; set; } = "";
    public string DefaultServerInstanceType { get; set; } = "";
    public string DefaultClientInstanceType { get; set; } = "";
    public string DefaultConsulVersion { get; set; } = "";

    /// <summary>
    /// The oldest Consul the hardened agent configuration is valid for: <c>acl.tokens.dns</c> and
    /// <c>tls.defaults</c>/<c>tls.internal_rpc</c> are read from 1.17 on.
    /// </summary>
    public static readonly Version MinimumConsulVersion = new(1, 17, 0);

    /// <summary>Startup check: every default must be one of the allowed choices, and every version new enough.</summary>
    public IEnumerable<string> Problems()
    {
        if (Regions.Count == 0) yield return "Provisioning:Catalog:Regions is empty.";
        foreach (var (region, zones) in Regions)
            if (zones.Count < 2) yield return $"Region '{region}' needs at least two Availability Zones.";
        if (!Regions.ContainsKey(DefaultRegion)) yield return $"DefaultRegion '{DefaultRegion}' is not in Regions.";
        if (!InstanceTypes.Contains(DefaultServerInstanceType)) yield return $"DefaultServerInstanceType '{DefaultServerInstanceType}' is not in InstanceTypes.";
        if (!InstanceTypes.Contains(DefaultClientInstanceType)) yield return $"DefaultClientInstanceType '{DefaultClientInstanceType}' is not in InstanceTypes.";
        if (!ConsulVersions.Contains(DefaultConsulVersion)) yield return $"DefaultConsulVersion '{DefaultConsulVersion}' is not in ConsulVersions.";
        foreach (var version in ConsulVersions)
        {
            if (!Version.TryParse(version, out var parsed) || parsed.Build < 0 || parsed.Revision >= 0)
                yield return $"ConsulVersions: '{version}' is not a release number such as 2.1.0.";
            else if (parsed < MinimumConsulVersion)
                yield return $"ConsulVersions: {version} is older than {MinimumConsulVersion}, the oldest Consul the hardened agent configuration supports.";
        }
    }
}
