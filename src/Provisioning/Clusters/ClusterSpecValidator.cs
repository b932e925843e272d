using System.Text.RegularExpressions;

namespace Provisioning.Clusters;

/// <summary>A cluster the portal already manages, as far as validation needs to know it.</summary>
/// <param name="Visible">Whether the requester may see it; conflicts with one they may not see name neither it nor its range.</param>
public sealed record ExistingCluster(string Name, string VpcCidr, bool Visible = true);

/// <summary>
/// The outcome of validating a <see cref="ClusterSpecInput"/>: either a spec, or problems per
/// field. <see cref="Conflicts"/> are problems caused by other clusters (HTTP 409), as opposed
/// to <see cref="Errors"/> in the input itself (HTTP 400).
/// </summary>
public sealed record ClusterSpecValidation(
    ClusterSpec? Spec,
    IReadOnlyDictionary<string, string[]> Errors,
    IReadOnlyDictionary<string, string[]> Conflicts)
{
    public bool IsValid => Spec is not null;
}

/// <summary>The rules of consul-topology.md for every requester-chosen input, with its defaults.</summary>
public static partial class ClusterSpecValidator
{
    /// <summary>CloudWatch Logs accepts only these retention periods.</summary>
    public static readonly IReadOnlyList<int> RetentionDays =
        [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

    public const int MaxClients = 50, MaxTimeToLiveHours = 720;

    /// <summary>What is wrong with a time to live, or null: it is refused outside 1 to <see cref="MaxTimeToLiveHours"/>, never moved into the range.</summary>
    public static string? TimeToLiveError(int? hours) => hours is { } ttl && ttl is < 1 or > MaxTimeToLiveHours
        ? $"The time to live must be between 1 and {MaxTimeToLiveHours} hours, or empty for none; {ttl} is not."
        : null;

    /// <summary>What a request that leaves them out gets.</summary>
    public const int DefaultClients = 5, DefaultLogRetentionDays = 30;

    /// <summary>The widest admin range accepted: it opens the Consul API, so never the internet.</summary>
    public const int MinAdminPrefix = 8;

    private static readonly Ipv4Cidr[] PrivateRanges =
        [Ipv4Cidr.Parse("10.0.0.0/8"), Ipv4Cidr.Parse("172.16.0.0/12"), Ipv4Cidr.Parse("192.168.0.0/16")];

    [GeneratedRegex("^[a-z][a-z0-9-]*[a-z0-9]$")]
    private static partial Regex DnsLabel();

    /// <summary>Consul lower-cases datacenter names and accepts only these characters.</summary>
    [GeneratedRegex("^[a-z0-9_-]+$")]
    public static partial Regex DatacenterName();

    public static ClusterSpecValidation Validate(
        ClusterSpecInput input, ProvisioningCatalog catalog, IReadOnlyCollection<ExistingCluster> existing)
    {
        var errors = new Dictionary<string, List<string>>();
        var conflicts = new Dictionary<string, List<string>>();
        void Error(string field, string message) => Add(errors, field, message);

        var name = input.Name?.Trim() ?? "";
        if (name.Length == 0) Error("name", "A name is required.");
        else if (name.Length is < 3 or > 32) Error("name", "The name must be 3 to 32 characters long.");
        else if (!DnsLabel().IsMatch(name))
            Error("name", "Use lower-case letters, digits and hyphens; start with a letter and end with a letter or digit.");
        else if (AwsNames.Problems(name).FirstOrDefault() is { } awsProblem)
            Error("name", awsProblem);
        else if (existing.Any(c => c.Name == name)) Add(conflicts, "name", $"A cluster named '{name}' already exists.");

        var region = string.IsNullOrWhiteSpace(input.Region) ? catalog.DefaultRegion : input.Region.Trim();
        catalog.Regions.TryGetValue(region, out var regionZones);
        if (regionZones is null)
            Error("region", $"'{region}' is not an offered region. Choose one of: {string.Join(", ", catalog.Regions.Keys)}.");

        var zones = input.AvailabilityZones is { Count: > 0 } requested
            ? requested.Select(z => z?.Trim() ?? "").ToList()
            : regionZones?.Take(2).ToList() ?? [];
        if (regionZones is not null) ValidateZones(zones, region, regionZones, Error);

        var vpcCidr = ValidateVpcCidr(input.VpcCidr, existing, Error, (f, m) => Add(conflicts, f, m));

        var serverType = Choice(input.ServerInstanceType, catalog.DefaultServerInstanceType, catalog.InstanceTypes, "serverInstanceType", "instance type", Error);
        var clientType = Choice(input.ClientInstanceType, catalog.DefaultClientInstanceType, catalog.InstanceTypes, "clientInstanceType", "instance type", Error);
        var version = Choice(input.ConsulVersion, catalog.DefaultConsulVersion, catalog.ConsulVersions, "consulVersion", "Consul version", Error);

        var servers = input.ServersPerAz ?? 3;
        if (servers is not (3 or 5))
            Error("serversPerAz", servers is 1 or 2 or 4 || servers % 2 == 0
                ? $"{servers} servers per AZ give no fault tolerance worth having; use 3 (tolerates 1 failure) or 5 (tolerates 2)."
                : "Use 3 or 5 servers per Availability Zone.");

        var clients = input.ClientCount ?? DefaultClients;
        if (clients is < 0 or > MaxClients) Error("clientCount", $"The client count must be between 0 and {MaxClients}.");

        var adminCidr = string.IsNullOrWhiteSpace(input.AdminCidr) ? null : input.AdminCidr.Trim();
        if (adminCidr is not null)
        {
            if (!Ipv4Cidr.TryParse(adminCidr, out var admin, out var adminError)) Error("adminCidr", adminError);
            else if (admin.Value.PrefixLength == 0)
                Error("adminCidr", "0.0.0.0/0 would open the Consul API to the whole internet; name the peered network or VPN range that needs it.");
            else if (admin.Value.PrefixLength < MinAdminPrefix)
                Error("adminCidr", $"{admin.Value} is wider than a /{MinAdminPrefix}; the admin range is meant for a peered network or a VPN, so name a /{MinAdminPrefix} or narrower.");
        }

        var retention = input.LogRetentionDays ?? DefaultLogRetentionDays;
        if (!RetentionDays.Contains(retention))
            Error("logRetentionDays", $"CloudWatch Logs accepts only these retention periods (days): {string.Join(", ", RetentionDays)}.");

        if (TimeToLiveError(input.TimeToLiveHours) is { } ttlError) Error("timeToLiveHours", ttlError);

        if (errors.Count > 0 || conflicts.Count > 0 || vpcCidr is null)
            return new ClusterSpecValidation(null, Freeze(errors), Freeze(conflicts));

        var spec = new ClusterSpec
        {
            Name = name,
            Region = region,
            AvailabilityZones = zones,
            VpcCidr = vpcCidr,
            ServerInstanceType = serverType,
            ClientInstanceType = clientType,
            ServersPerAz = servers,
            ClientCount = clients,
            ConsulVersion = version,
            AdminCidr = adminCidr is null ? null : Ipv4Cidr.Parse(adminCidr).ToString(),
            LogRetentionDays = retention,
            TimeToLiveHours = input.TimeToLiveHours,
        };
        return new ClusterSpecValidation(spec, Freeze(errors), Freeze(conflicts));
    }

    private static void ValidateZones(List<string> zones, string region, List<string> regionZones, Action<string, string> error)
    {
        if (zones.Count != 2)
        {
            error("availabilityZones", "Choose exactly two Availability Zones: one Consul datacenter runs in each.");
            return;
        }
        if (zones[0] == zones[1]) error("availabilityZones", "The two Availability Zones must differ.");
        foreach (var zone in zones)
        {
            if (!regionZones.Contains(zone))
                error("availabilityZones", $"'{zone}' is not an Availability Zone of {region}. Choose from: {string.Join(", ", regionZones)}.");
            else if (!DatacenterName().IsMatch(zone))
                error("availabilityZones", $"'{zone}' cannot be a Consul datacenter name: only a-z, 0-9, '_' and '-' are allowed.");
        }
    }

    private static string? ValidateVpcCidr(
        string? requested, IReadOnlyCollection<ExistingCluster> existing, Action<string, string> error, Action<string, string> conflict)
    {
        var taken = existing
            .Select(c => (c.Name, c.Visible, Cidr: Ipv4Cidr.TryParse(c.VpcCidr, out var cidr, out _) ? cidr : null))
            .Where(c => c.Cidr is not null)
            .Select(c => (c.Name, c.Visible, Cidr: c.Cidr!.Value))
            .ToList();

        if (string.IsNullOrWhiteSpace(requested))
        {
            var free = NetworkLayout.PickFreeVpc(taken.Select(t => t.Cidr));
            if (free is null) conflict("vpcCidr", "Every /16 in 10.0.0.0/8 is in use; choose a VPC CIDR yourself.");
            return free?.ToString();
        }

        if (!Ipv4Cidr.TryParse(requested, out var cidr, out var parseError))
        {
            error("vpcCidr", parseError);
            return null;
        }
        var vpc = cidr.Value;
        if (vpc.PrefixLength is < NetworkLayout.LargestPrefix or > NetworkLayout.SmallestPrefix)
        {
            error("vpcCidr", $"The VPC must be between a /{NetworkLayout.LargestPrefix} and a /{NetworkLayout.SmallestPrefix}.");
            return null;
        }
        if (!PrivateRanges.Any(r => r.Contains(vpc)))
        {
            error("vpcCidr", "The VPC must lie in a private range: 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16.");
            return null;
        }
        var overlapping = taken.Where(t => t.Cidr.Overlaps(vpc)).ToList();
        foreach (var message in overlapping.Select(o => o.Visible ? $"{vpc} overlaps cluster '{o.Name}' ({o.Cidr})." : $"{vpc} overlaps another cluster's range.").Distinct())
            conflict("vpcCidr", message);
        return overlapping.Count == 0 ? vpc.ToString() : null;
    }

    private static string Choice(string? requested, string fallback, List<string> allowed, string field, string what, Action<string, string> error)
    {
        var value = string.IsNullOrWhiteSpace(requested) ? fallback : requested.Trim();
        if (!allowed.Contains(value)) error(field, $"'{value}' is not an offered {what}. Choose one of: {string.Join(", ", allowed)}.");
        return value;
    }

    private static void Add(Dictionary<string, List<string>> map, string field, string message)
    {
        if (!map.TryGetValue(field, out var list)) map[field] = list = [];
        list.Add(message);
    }

    private static IReadOnlyDictionary<string, string[]> Freeze(Dictionary<string, List<string>> map) =>
        map.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
}
