using System.Text.RegularExpressions;
using Provisioning.Clusters;
using Provisioning.Consul;

namespace Provisioning.Topology;

/// <summary>Builds the dual-AZ topology of consul-topology.md from a validated spec.</summary>
public static partial class TopologyPlanBuilder
{
    public const string
        Vpc = "vpc", InternetGateway = "internetGateway", RouteTable = "publicRouteTable", DefaultRoute = "internetRoute",
        ServerSecurityGroup = "serverSecurityGroup", ClientSecurityGroup = "clientSecurityGroup",
        Role = "consulRole", RolePolicy = "consulRolePolicy", InstanceProfile = "consulInstanceProfile",
        ConsulLogGroup = "consulLogGroup", SystemLogGroup = "systemLogGroup", BootLogGroup = "bootLogGroup",
        GossipKeyParameter = "gossipKeyParameter",
        ServerLaunchTemplate = "serverLaunchTemplate", ClientLaunchTemplate = "clientLaunchTemplate",
        ClientGroup = "clientGroup", AmiVariable = "consulAmi", AmiArm64Variable = "consulAmiArm64";

    /// <summary>The tag cloud auto-join filters on; its value names the cluster and the AZ.</summary>
    public const string JoinTagKey = "consul-join";

    /// <summary>Amazon Linux 2023's public parameters: resolving them at deploy time always boots a patched AMI.</summary>
    public const string
        AmiParameterX86 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        AmiParameterArm64 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";

    /// <summary>Subnet, route-table association and server group names carry the AZ's letter: subnetA, serverGroupB.</summary>
    public static string Subnet(int zone) => $"subnet{Letter(zone)}";
    public static string RouteTableAssociation(int zone) => $"publicRouteTableAssociation{Letter(zone)}";
    public static string ServerGroup(int zone) => $"serverGroup{Letter(zone)}";
    public static string JoinTag(ClusterSpec spec, int zone) => $"{spec.Name}-{spec.AvailabilityZones[zone]}";

    public static string LogGroupName(ClusterSpec spec, string logGroup) => logGroup switch
    {
        ConsulLogGroup => $"/consul/{spec.Name}/consul",
        SystemLogGroup => $"/consul/{spec.Name}/system",
        BootLogGroup => $"/consul/{spec.Name}/boot",
        _ => throw new ArgumentOutOfRangeException(nameof(logGroup), logGroup, "Not a log group of the plan."),
    };

    public static string RoleNamePrefix(ClusterSpec spec) => $"{spec.Name}-";

    public static string GossipKeyParameterName(ClusterSpec spec) => $"/consul/{spec.Name}/gossip-key";

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

    public static TopologyPlan Build(ClusterSpec spec)
    {
        var network = NetworkLayout.For(spec);
        var resources = new List<PlannedResource>();
        void Add(string name, string type, Dictionary<string, object?> properties, params string[] dependsOn)
        {
            // IAM is global; everything else names its region so the program does not depend on provider defaults.
            if (!type.StartsWith("aws:iam/", StringComparison.Ordinal)) properties["region"] = spec.Region;
            resources.Add(new PlannedResource(name, type, properties, dependsOn));
        }

        var tags = Tags(spec);

        Add(Vpc, "aws:ec2/vpc:Vpc", new()
        {
            ["cidrBlock"] = network.Vpc.ToString(),
            ["enableDnsSupport"] = true,
            ["enableDnsHostnames"] = true,
            ["tags"] = Tags(spec, $"{spec.Name}-vpc"),
        });
        Add(InternetGateway, "aws:ec2/internetGateway:InternetGateway", new()
        {
            ["vpcId"] = new ResourceOutput(Vpc, "id"),
            ["tags"] = Tags(spec, $"{spec.Name}-igw"),
        });
        Add(RouteTable, "aws:ec2/routeTable:RouteTable", new()
        {
            ["vpcId"] = new ResourceOutput(Vpc, "id"),
            ["tags"] = Tags(spec, $"{spec.Name}-public"),
        });
        Add(DefaultRoute, "aws:ec2/route:Route", new()
        {
            ["routeTableId"] = new ResourceOutput(RouteTable, "id"),
            ["destinationCidrBlock"] = "0.0.0.0/0",
            ["gatewayId"] = new ResourceOutput(InternetGateway, "id"),
        });
        for (var zone = 0; zone < network.Subnets.Count; zone++)
        {
            var subnet = network.Subnets[zone];
            Add(Subnet(zone), "aws:ec2/subnet:Subnet", new()
            {
                ["vpcId"] = new ResourceOutput(Vpc, "id"),
                ["availabilityZone"] = subnet.AvailabilityZone,
                ["cidrBlock"] = subnet.Cidr.ToString(),
                ["mapPublicIpOnLaunch"] = true,
                ["tags"] = Tags(spec, $"{spec.Name}-{subnet.AvailabilityZone}"),
            });
            Add(RouteTableAssociation(zone), "aws:ec2/routeTableAssociation:RouteTableAssociation", new()
            {
                ["routeTableId"] = new ResourceOutput(RouteTable, "id"),
                ["subnetId"] = new ResourceOutput(Subnet(zone), "id"),
            });
        }

        AddSecurityGroups(spec, Add);

        var logGroups = new[] { ConsulLogGroup, SystemLogGroup, BootLogGroup };
        foreach (var logGroup in logGroups)
            Add(logGroup, "aws:cloudwatch/logGroup:LogGroup", new()
            {
                ["name"] = LogGroupName(spec, logGroup),
                ["retentionInDays"] = spec.LogRetentionDays,
                ["tags"] = tags,
            });

        Add(GossipKeyParameter, "aws:ssm/parameter:Parameter", new()
        {
            ["name"] = GossipKeyParameterName(spec),
            ["type"] = "SecureString",
            ["description"] = $"Consul gossip encryption key of cluster {spec.Name}",
            ["value"] = new SecretValue(new ConfigRef(TopologyPlan.GossipKeyConfig)),
            ["tags"] = tags,
        });

        Add(Role, "aws:iam/role:Role", new()
        {
            // IAM allows at most 38 characters of prefix (64 minus the 26 it appends); a name is at most 32.
            ["namePrefix"] = RoleNamePrefix(spec),
            ["assumeRolePolicy"] = new ToJson(new Dictionary<string, object?>
            {
                ["Version"] = "2012-10-17",
                ["Statement"] = new List<object?>
                {
                    new Dictionary<string, object?>
                    {
                        ["Effect"] = "Allow",
                        ["Principal"] = new Dictionary<string, object?> { ["Service"] = "ec2.amazonaws.com" },
                        ["Action"] = "sts:AssumeRole",
                    },
                },
            }),
            ["tags"] = tags,
        });
        Add(RolePolicy, "aws:iam/rolePolicy:RolePolicy", new()
        {
            ["role"] = new ResourceOutput(Role, "id"),
            ["policy"] = new ToJson(new Dictionary<string, object?>
            {
                ["Version"] = "2012-10-17",
                ["Statement"] = new List<object?>
                {
                    Statement("CloudAutoJoin", ["ec2:DescribeInstances"], ["*"]),
                    Statement("ShipLogs",
                        ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                        logGroups.SelectMany(g => new object?[] { new ResourceOutput(g, "arn"), new Interpolation(new ResourceOutput(g, "arn"), ":*") }).ToList()),
                    Statement("ReadGossipKey", ["ssm:GetParameter"], [new ResourceOutput(GossipKeyParameter, "arn")]),
                },
            }),
        });
        Add(InstanceProfile, "aws:iam/instanceProfile:InstanceProfile", new()
        {
            ["namePrefix"] = $"{spec.Name}-consul-",
            ["role"] = new ResourceOutput(Role, "name"),
            ["tags"] = tags,
        });

        var bootScripts = new Dictionary<string, string>
        {
            [ConsulRole.Server.Key()] = BootScript.Render(spec, network, ConsulRole.Server),
            [ConsulRole.Client.Key()] = BootScript.Render(spec, network, ConsulRole.Client),
        };
        AddLaunchTemplate(spec, ServerLaunchTemplate, spec.ServerInstanceType, ServerSecurityGroup, ConsulRole.Server, bootScripts, Add);
        AddLaunchTemplate(spec, ClientLaunchTemplate, spec.ClientInstanceType, ClientSecurityGroup, ConsulRole.Client, bootScripts, Add);

        // Instances download Consul and call AWS APIs while booting: the route out and the
        // egress rules must exist before the first one launches, though no property says so.
        string[] bootNeeds = [RolePolicy, DefaultRoute, SecurityRules.EgressRuleName(ServerSecurityGroup), SecurityRules.EgressRuleName(ClientSecurityGroup)];

        for (var zone = 0; zone < network.Subnets.Count; zone++)
            Add(ServerGroup(zone), "aws:autoscaling/group:Group",
                Group(spec, $"{spec.Name}-server-{spec.AvailabilityZones[zone]}", ServerLaunchTemplate, spec.ServersPerAz,
                    [new ResourceOutput(Subnet(zone), "id")], JoinTag(spec, zone), "server"),
                [.. bootNeeds, RouteTableAssociation(zone)]);
        Add(ClientGroup, "aws:autoscaling/group:Group",
            Group(spec, $"{spec.Name}-client", ClientLaunchTemplate, spec.ClientCount,
                Enumerable.Range(0, network.Subnets.Count).Select(z => (object)new ResourceOutput(Subnet(z), "id")).ToList(),
                joinTag: null, "client"),
            [.. bootNeeds, .. Enumerable.Range(0, network.Subnets.Count).Select(RouteTableAssociation)]);

        var invocations = new[] { spec.ServerInstanceType, spec.ClientInstanceType }
            .Select(AmiFor).Distinct().Order()
            .Select(variable => new PlannedInvocation(variable, "aws:ssm/getParameter:getParameter", new Dictionary<string, object?>
            {
                ["name"] = variable == AmiArm64Variable ? AmiParameterArm64 : AmiParameterX86,
                ["region"] = spec.Region,
            }, "value"))
            .ToList();

        var agentConfigs = new Dictionary<string, string>();
        foreach (var role in new[] { ConsulRole.Server, ConsulRole.Client })
            for (var zone = 0; zone < network.Subnets.Count; zone++)
                agentConfigs[$"{role.Key()}/{spec.AvailabilityZones[zone]}"] =
                    ConsulAgentConfigs.For(role, spec, network, zone, ConsulNode.BootVariables).ToJson();

        return new TopologyPlan(spec, network, resources, invocations, Outputs(spec, network), bootScripts) { AgentConfigs = agentConfigs };
    }

    private static void AddSecurityGroups(ClusterSpec spec, Action<string, string, Dictionary<string, object?>, string[]> add)
    {
        foreach (var (name, role) in new[] { (ServerSecurityGroup, "server"), (ClientSecurityGroup, "client") })
            add(name, "aws:ec2/securityGroup:SecurityGroup", new()
            {
                ["namePrefix"] = $"{spec.Name}-{role}-",
                ["description"] = $"Consul {role}s of cluster {spec.Name}",
                ["vpcId"] = new ResourceOutput(Vpc, "id"),
                ["tags"] = Tags(spec, $"{spec.Name}-{role}"),
            }, []);

        foreach (var rule in SecurityRules.For(spec))
        {
            var properties = new Dictionary<string, object?>
            {
                ["securityGroupId"] = new ResourceOutput(rule.SecurityGroup, "id"),
                ["ipProtocol"] = rule.Protocol,
                ["description"] = rule.Description,
            };
            if (rule.Protocol != "-1")
            {
                properties["fromPort"] = rule.Port;
                properties["toPort"] = rule.Port;
            }
            if (rule.FromSecurityGroup is not null)
                properties["referencedSecurityGroupId"] = new ResourceOutput(rule.FromSecurityGroup, "id");
            else
                properties["cidrIpv4"] = rule.FromCidr;
            add(rule.Name, rule.Egress ? "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule" : "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", properties, []);
        }
    }

    private static void AddLaunchTemplate(
        ClusterSpec spec, string name, string instanceType, string securityGroup, ConsulRole consulRole,
        IReadOnlyDictionary<string, string> bootScripts, Action<string, string, Dictionary<string, object?>, string[]> add)
    {
        var role = consulRole.Key();
        var instanceTags = Tags(spec, $"{spec.Name}-{role}");
        add(name, "aws:ec2/launchTemplate:LaunchTemplate", new()
        {
            ["namePrefix"] = $"{spec.Name}-{role}-",
            ["imageId"] = new VariableRef(AmiFor(instanceType)),
            ["instanceType"] = instanceType,
            ["iamInstanceProfile"] = new Dictionary<string, object?> { ["arn"] = new ResourceOutput(InstanceProfile, "arn") },
            ["vpcSecurityGroupIds"] = new List<object?> { new ResourceOutput(securityGroup, "id") },
            ["metadataOptions"] = new Dictionary<string, object?>
            {
                ["httpEndpoint"] = "enabled",
                ["httpTokens"] = "required",
                ["httpPutResponseHopLimit"] = 1,
                ["instanceMetadataTags"] = "disabled",
            },
            ["blockDeviceMappings"] = new List<object?>
            {
                new Dictionary<string, object?>
                {
                    // Amazon Linux 2023's root device; 20 GiB leaves room for Raft snapshots and logs.
                    ["deviceName"] = "/dev/xvda",
                    ["ebs"] = new Dictionary<string, object?>
                    {
                        ["volumeSize"] = 20,
                        ["volumeType"] = "gp3",
                        // The provider types these as strings, not booleans.
                        ["encrypted"] = "true",
                        ["deleteOnTermination"] = "true",
                    },
                },
            },
            ["userData"] = new ToBase64(bootScripts[role]),
            ["tagSpecifications"] = new List<object?>
            {
                new Dictionary<string, object?> { ["resourceType"] = "instance", ["tags"] = instanceTags },
                new Dictionary<string, object?> { ["resourceType"] = "volume", ["tags"] = instanceTags },
            },
            ["tags"] = Tags(spec),
        }, [ConsulLogGroup, SystemLogGroup, BootLogGroup, GossipKeyParameter]);
    }

    private static Dictionary<string, object?> Group(
        ClusterSpec spec, string name, string launchTemplate, int size, List<object> subnets, string? joinTag, string role)
    {
        var groupTags = new List<object?>
        {
            GroupTag("Name", $"{spec.Name}-{role}"),
            GroupTag("consul-cluster", spec.Name),
            GroupTag("consul-role", role),
        };
        if (joinTag is not null) groupTags.Add(GroupTag(JoinTagKey, joinTag));
        return new()
        {
            ["name"] = name,
            ["minSize"] = size,
            ["maxSize"] = size,
            ["desiredCapacity"] = size,
            ["vpcZoneIdentifiers"] = subnets,
            ["healthCheckType"] = "EC2",
            ["healthCheckGracePeriod"] = 300,
            ["launchTemplate"] = new Dictionary<string, object?>
            {
                ["id"] = new ResourceOutput(launchTemplate, "id"),
                // Launches always use the newest version, so a changed boot script reaches replacement instances.
                ["version"] = "$Latest",
            },
            ["tags"] = groupTags,
        };
    }

    private static Dictionary<string, object?> GroupTag(string key, string value) =>
        new() { ["key"] = key, ["value"] = value, ["propagateAtLaunch"] = true };

    private static Dictionary<string, object?> Statement(string sid, List<object?> actions, List<object?> resources) => new()
    {
        ["Sid"] = sid,
        ["Effect"] = "Allow",
        ["Action"] = actions,
        ["Resource"] = resources,
    };

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
            ["subnetIds"] = zones.ToDictionary(z => spec.AvailabilityZones[z], z => (object?)new ResourceOutput(Subnet(z), "id")),
            ["serverSecurityGroupId"] = new ResourceOutput(ServerSecurityGroup, "id"),
            ["clientSecurityGroupId"] = new ResourceOutput(ClientSecurityGroup, "id"),
            ["datacenters"] = spec.AvailabilityZones.Cast<object?>().ToList(),
            ["serverGroups"] = zones.ToDictionary(z => spec.AvailabilityZones[z], z => (object?)new ResourceOutput(ServerGroup(z), "name")),
            ["clientGroup"] = new ResourceOutput(ClientGroup, "name"),
            ["joinTags"] = zones.ToDictionary(z => spec.AvailabilityZones[z], z => (object?)JoinTag(spec, z)),
            ["logGroups"] = new List<object?> { new ResourceOutput(ConsulLogGroup, "name"), new ResourceOutput(SystemLogGroup, "name"), new ResourceOutput(BootLogGroup, "name") },
            ["gossipKeyParameter"] = new ResourceOutput(GossipKeyParameter, "name"),
            ["consulVersion"] = spec.ConsulVersion,
            ["dnsExamples"] = spec.AvailabilityZones.Select(dc => (object?)$"consul.service.{dc}.consul").ToList(),
        };
    }
}
