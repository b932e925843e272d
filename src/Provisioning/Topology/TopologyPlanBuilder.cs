using System.Text.RegularExpressions;
using Provisioning.Clusters;
using Provisioning.Consul;

namespace Provisioning.Topology;

/// <summary>
/// Builds the dual-AZ topology of consul-topology.md from a validated spec, in its hardened shape:
/// private nodes behind a NAT gateway per AZ, per-role IAM, a per-cluster KMS key for every secret,
/// and groups whose instances must prove their boot.
/// </summary>
public static partial class TopologyPlanBuilder
{
    public const string
        Vpc = "vpc", InternetGateway = "internetGateway", PublicRouteTable = "publicRouteTable", InternetRoute = "internetRoute",
        ServerSecurityGroup = "serverSecurityGroup", ClientSecurityGroup = "clientSecurityGroup",
        ClusterKey = "clusterKey", ClusterKeyAlias = "clusterKeyAlias",
        ConsulLogGroup = ClusterNames.ConsulLogGroup, SystemLogGroup = ClusterNames.SystemLogGroup, BootLogGroup = ClusterNames.BootLogGroup,
        ServerLaunchTemplate = "serverLaunchTemplate", ClientLaunchTemplate = "clientLaunchTemplate",
        ClientGroup = "clientGroup", AmiVariable = "consulAmi", AmiArm64Variable = "consulAmiArm64", AccountIdVariable = "accountId";

    /// <summary>
    /// How long a launching instance may take to prove its boot: installing takes a few minutes, a client
    /// waits up to 10 minutes for its certificate, and the self-test tries for up to 15.
    /// </summary>
    public const int BootHeartbeatSeconds = 2400;

    /// <summary>The AWS managed policy that lets Session Manager reach an instance: the only way in, there is no SSH.</summary>
    public const string SessionManagerPolicyArn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";

    /// <summary>Amazon Linux 2023's public parameters: resolving them at deploy time always boots a patched AMI.</summary>
    public const string
        AmiParameterX86 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        AmiParameterArm64 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";

    /// <summary>Per-zone names carry the AZ's letter: privateSubnetA, natGatewayB, serverGroupA.</summary>
    public static string PrivateSubnet(int zone) => $"privateSubnet{Letter(zone)}";
    public static string PublicSubnet(int zone) => $"publicSubnet{Letter(zone)}";
    public static string PublicRouteTableAssociation(int zone) => $"publicRouteTableAssociation{Letter(zone)}";
    public static string NatAddress(int zone) => $"natAddress{Letter(zone)}";
    public static string NatGateway(int zone) => $"natGateway{Letter(zone)}";
    public static string PrivateRouteTable(int zone) => $"privateRouteTable{Letter(zone)}";
    public static string NatRoute(int zone) => $"natRoute{Letter(zone)}";
    public static string PrivateRouteTableAssociation(int zone) => $"privateRouteTableAssociation{Letter(zone)}";
    public static string ServerGroup(int zone) => $"serverGroup{Letter(zone)}";

    /// <summary>The IAM role, its policy, Session Manager attachment and instance profile of a role: serverRole, clientRolePolicy…</summary>
    public static string Role(ConsulRole role) => $"{role.Key()}Role";
    public static string RolePolicy(ConsulRole role) => $"{role.Key()}RolePolicy";
    public static string SessionManagerAttachment(ConsulRole role) => $"{role.Key()}SessionManager";
    public static string InstanceProfile(ConsulRole role) => $"{role.Key()}InstanceProfile";


    /// <summary>
    /// Graviton families carry a 'g' among the attribute letters after the generation
    /// (t4g, m7g, c7gn, im4gn, g5g), plus the first-generation a1.
    /// </summary>
    public static bool IsArm64(string instanceType)
    {
        var match = InstanceFamily().Match(instanceType);
        return match.Success && (match.Groups["family"].Value == "a" || match.Groups["attributes"].Value.Contains('g'));
    }

    /// <summary>The variable holding the AMI for an instance type's architecture.</summary>
    public static string AmiFor(string instanceType) => IsArm64(instanceType) ? AmiArm64Variable : AmiVariable;

    [GeneratedRegex(@"^(?<family>[a-z]+)(?<generation>\d+)(?<attributes>[a-z]*)(-[a-z]+)?\.")]
    private static partial Regex InstanceFamily();

    private static char Letter(int zone) => (char)('A' + zone);

    private static readonly string[] LogGroups = [ConsulLogGroup, SystemLogGroup, BootLogGroup];

    private static readonly ConsulRole[] Roles = [ConsulRole.Server, ConsulRole.Client];

    public static TopologyPlan Build(ClusterSpec spec)
    {
        var network = NetworkLayout.For(spec);
        var resources = new List<PlannedResource>();
        void Add(string name, string type, Dictionary<string, object?> properties, string[] dependsOn)
        {
            // IAM is global; everything else names its region so the program does not depend on provider defaults.
            if (!type.StartsWith("aws:iam/", StringComparison.Ordinal)) properties["region"] = spec.Region;
            resources.Add(new PlannedResource(name, type, properties, dependsOn));
        }

        // The order is the plan's (and the program's): each concern adds its resources in its own file.
        AddNetwork(spec, network, Add);
        AddSecurityGroups(spec, network, Add);
        AddLogGroups(spec, Add);
        AddSecrets(spec, Add);
        foreach (var role in Roles) AddIam(spec, role, Add);
        var bootScripts = Roles.ToDictionary(r => r.Key(), r => BootScript.Render(spec, network, r));
        AddCompute(spec, network, bootScripts, Add);

        return new TopologyPlan(spec, network, resources, Invocations(spec), Outputs(spec, network), bootScripts)
        {
            AgentConfigs = AgentConfigs(spec, network),
        };
    }

    /// <summary>Adds one resource to the plan; every concern's builder gets it from <see cref="Build"/>.</summary>
    private delegate void AddResource(string name, string type, Dictionary<string, object?> properties, string[] dependsOn);

    private static Dictionary<string, object?> Tags(ClusterSpec spec, string? name = null)
    {
        var tags = new Dictionary<string, object?> { ["consul-cluster"] = spec.Name, ["managed-by"] = "portal" };
        if (name is not null) tags["Name"] = name;
        return tags;
    }

    private static Dictionary<string, object?> Outputs(ClusterSpec spec, NetworkLayout network)
    {
        var zones = Enumerable.Range(0, network.Subnets.Count).ToList();
        return new()
        {
            ["region"] = spec.Region,
            ["vpcId"] = new ResourceOutput(Vpc, "id"),
            ["subnetIds"] = zones.ToDictionary(z => spec.AvailabilityZones[z], z => (object?)new ResourceOutput(PrivateSubnet(z), "id")),
            ["natPublicIps"] = zones.ToDictionary(z => spec.AvailabilityZones[z], z => (object?)new ResourceOutput(NatAddress(z), "publicIp")),
            ["serverSecurityGroupId"] = new ResourceOutput(ServerSecurityGroup, "id"),
            ["clientSecurityGroupId"] = new ResourceOutput(ClientSecurityGroup, "id"),
            ["datacenters"] = spec.AvailabilityZones.Cast<object?>().ToList(),
            ["primaryDatacenter"] = ConsulAgentConfigs.Datacenter(spec, ConsulAgentConfigs.PrimaryZone),
            ["serverGroups"] = zones.ToDictionary(z => spec.AvailabilityZones[z], z => (object?)new ResourceOutput(ServerGroup(z), "name")),
            ["clientGroup"] = new ResourceOutput(ClientGroup, "name"),
            // The group's size as deployed, so the outputs follow a changed client count.
            ["clientCount"] = new ResourceOutput(ClientGroup, "desiredCapacity"),
            ["joinTags"] = zones.ToDictionary(z => spec.AvailabilityZones[z], z => (object?)ClusterNames.JoinTag(spec, z)),
            ["logGroups"] = LogGroups.Select(g => (object?)new ResourceOutput(g, "name")).ToList(),
            ["kmsKeyAlias"] = new ResourceOutput(ClusterKeyAlias, "name"),
            ["parameters"] = ClusterParameters.All.ToDictionary(p => p.RelativePath, p => (object?)new ResourceOutput(p.Resource, "name")),
            ["consulVersion"] = spec.ConsulVersion,
            ["dnsExamples"] = spec.AvailabilityZones.Select(dc => (object?)$"consul.service.{dc}.consul").ToList(),
        };
    }
}
