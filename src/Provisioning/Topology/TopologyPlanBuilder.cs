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
    /// IAM allows a prefix of at most 38 characters (64 minus the 26 Pulumi appends); with a name of at
    /// most 32 characters, the role is abbreviated.
    /// </summary>
    public static string RoleNamePrefix(string cluster, ConsulRole role) => $"{cluster}-{(role == ConsulRole.Server ? "srv" : "cli")}-";

    public static string SecurityGroupNamePrefix(string cluster, ConsulRole role) => $"{cluster}-{role.Key()}-";

    public static string KeyAliasName(string cluster) => $"alias/consul-{cluster}";

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
        void Add(string name, string type, Dictionary<string, object?> properties, params string[] dependsOn)
        {
            // IAM is global; everything else names its region so the program does not depend on provider defaults.
            if (!type.StartsWith("aws:iam/", StringComparison.Ordinal)) properties["region"] = spec.Region;
            resources.Add(new PlannedResource(name, type, properties, dependsOn));
        }

        AddNetwork(spec, network, Add);
        AddSecurityGroups(spec, network, Add);

        foreach (var logGroup in LogGroups)
            Add(logGroup, "aws:cloudwatch/logGroup:LogGroup", new()
            {
                ["name"] = ClusterNames.LogGroupName(spec, logGroup),
                ["retentionInDays"] = spec.LogRetentionDays,
                ["tags"] = Tags(spec),
            });

        AddSecrets(spec, Add);
        foreach (var role in Roles) AddIam(spec, role, Add);

        var bootScripts = Roles.ToDictionary(r => r.Key(), r => BootScript.Render(spec, network, r));
        AddLaunchTemplate(spec, ServerLaunchTemplate, spec.ServerInstanceType, ServerSecurityGroup, ConsulRole.Server, bootScripts, Add);
        AddLaunchTemplate(spec, ClientLaunchTemplate, spec.ClientInstanceType, ClientSecurityGroup, ConsulRole.Client, bootScripts, Add);

        // Instances download Consul and call AWS APIs while booting, through their zone's NAT gateway: the
        // route out, the egress rules and the role's permissions must exist before the first one launches,
        // though no property says so.
        string[] BootNeeds(ConsulRole role, string securityGroup, IEnumerable<int> zones) =>
        [
            RolePolicy(role), SessionManagerAttachment(role),
            .. SecurityRules.EgressRuleNames(spec, network, securityGroup),
            .. zones.SelectMany(z => new[] { NatRoute(z), PrivateRouteTableAssociation(z) }),
        ];
        var allZones = Enumerable.Range(0, network.Subnets.Count).ToList();
        foreach (var zone in allZones)
            Add(ServerGroup(zone), "aws:autoscaling/group:Group",
                Group(spec, ClusterNames.ServerGroupName(spec, zone), ServerLaunchTemplate, spec.ServersPerAz,
                    [new ResourceOutput(PrivateSubnet(zone), "id")], ClusterNames.JoinTag(spec, zone), "server"),
                BootNeeds(ConsulRole.Server, ServerSecurityGroup, [zone]));
        Add(ClientGroup, "aws:autoscaling/group:Group",
            Group(spec, ClusterNames.ClientGroupName(spec), ClientLaunchTemplate, spec.ClientCount,
                allZones.Select(z => (object)new ResourceOutput(PrivateSubnet(z), "id")).ToList(),
                joinTag: null, "client"),
            BootNeeds(ConsulRole.Client, ClientSecurityGroup, allZones));

        var invocations = new[] { spec.ServerInstanceType, spec.ClientInstanceType }
            .Select(AmiFor).Distinct().Order()
            .Select(variable => new PlannedInvocation(variable, "aws:ssm/getParameter:getParameter", new Dictionary<string, object?>
            {
                ["name"] = variable == AmiArm64Variable ? AmiParameterArm64 : AmiParameterX86,
                ["region"] = spec.Region,
            }, "value"))
            // The account appears in the ARNs of the groups a role may complete lifecycle actions on.
            .Append(new PlannedInvocation(AccountIdVariable, "aws:index/getCallerIdentity:getCallerIdentity", new Dictionary<string, object?>(), "accountId"))
            .ToList();

        var agentConfigs = new Dictionary<string, string>();
        foreach (var role in Roles)
            foreach (var zone in allZones)
                agentConfigs[$"{role.Key()}/{spec.AvailabilityZones[zone]}"] =
                    ConsulAgentConfigs.For(role, spec, network, zone, ConsulNode.BootVariables).ToJson();

        return new TopologyPlan(spec, network, resources, invocations, Outputs(spec, network), bootScripts) { AgentConfigs = agentConfigs };
    }

    /// <summary>
    /// Per AZ: a public subnet holding a NAT gateway with its own address, and a private subnet for the
    /// nodes whose route out is that AZ's gateway, so losing one AZ never cuts the other's egress.
    /// </summary>
    private static void AddNetwork(ClusterSpec spec, NetworkLayout network, Action<string, string, Dictionary<string, object?>, string[]> add)
    {
        add(Vpc, "aws:ec2/vpc:Vpc", new()
        {
            ["cidrBlock"] = network.Vpc.ToString(),
            ["enableDnsSupport"] = true,
            ["enableDnsHostnames"] = true,
            ["tags"] = Tags(spec, $"{spec.Name}-vpc"),
        }, []);
        add(InternetGateway, "aws:ec2/internetGateway:InternetGateway", new()
        {
            ["vpcId"] = new ResourceOutput(Vpc, "id"),
            ["tags"] = Tags(spec, $"{spec.Name}-igw"),
        }, []);
        add(PublicRouteTable, "aws:ec2/routeTable:RouteTable", new()
        {
            ["vpcId"] = new ResourceOutput(Vpc, "id"),
            ["tags"] = Tags(spec, $"{spec.Name}-public"),
        }, []);
        add(InternetRoute, "aws:ec2/route:Route", new()
        {
            ["routeTableId"] = new ResourceOutput(PublicRouteTable, "id"),
            ["destinationCidrBlock"] = "0.0.0.0/0",
            ["gatewayId"] = new ResourceOutput(InternetGateway, "id"),
        }, []);
        for (var zone = 0; zone < network.Subnets.Count; zone++)
        {
            var subnet = network.Subnets[zone];
            var az = subnet.AvailabilityZone;
            add(PublicSubnet(zone), "aws:ec2/subnet:Subnet", new()
            {
                ["vpcId"] = new ResourceOutput(Vpc, "id"),
                ["availabilityZone"] = az,
                ["cidrBlock"] = subnet.PublicCidr.ToString(),
                // Only the NAT gateway lives here, with its Elastic IP: nothing gets an address by default.
                ["mapPublicIpOnLaunch"] = false,
                ["tags"] = Tags(spec, $"{spec.Name}-public-{az}"),
            }, []);
            add(PublicRouteTableAssociation(zone), "aws:ec2/routeTableAssociation:RouteTableAssociation", new()
            {
                ["routeTableId"] = new ResourceOutput(PublicRouteTable, "id"),
                ["subnetId"] = new ResourceOutput(PublicSubnet(zone), "id"),
            }, []);
            add(NatAddress(zone), "aws:ec2/eip:Eip", new()
            {
                ["domain"] = "vpc",
                ["tags"] = Tags(spec, $"{spec.Name}-nat-{az}"),
            }, []);
            // A NAT gateway needs the internet gateway attached before it can route (AWS's own advice).
            add(NatGateway(zone), "aws:ec2/natGateway:NatGateway", new()
            {
                ["allocationId"] = new ResourceOutput(NatAddress(zone), "allocationId"),
                ["subnetId"] = new ResourceOutput(PublicSubnet(zone), "id"),
                ["connectivityType"] = "public",
                ["tags"] = Tags(spec, $"{spec.Name}-nat-{az}"),
            }, [InternetRoute, PublicRouteTableAssociation(zone)]);
            add(PrivateSubnet(zone), "aws:ec2/subnet:Subnet", new()
            {
                ["vpcId"] = new ResourceOutput(Vpc, "id"),
                ["availabilityZone"] = az,
                ["cidrBlock"] = subnet.Cidr.ToString(),
                ["mapPublicIpOnLaunch"] = false,
                ["tags"] = Tags(spec, $"{spec.Name}-private-{az}"),
            }, []);
            add(PrivateRouteTable(zone), "aws:ec2/routeTable:RouteTable", new()
            {
                ["vpcId"] = new ResourceOutput(Vpc, "id"),
                ["tags"] = Tags(spec, $"{spec.Name}-private-{az}"),
            }, []);
            add(NatRoute(zone), "aws:ec2/route:Route", new()
            {
                ["routeTableId"] = new ResourceOutput(PrivateRouteTable(zone), "id"),
                ["destinationCidrBlock"] = "0.0.0.0/0",
                ["natGatewayId"] = new ResourceOutput(NatGateway(zone), "id"),
            }, []);
            add(PrivateRouteTableAssociation(zone), "aws:ec2/routeTableAssociation:RouteTableAssociation", new()
            {
                ["routeTableId"] = new ResourceOutput(PrivateRouteTable(zone), "id"),
                ["subnetId"] = new ResourceOutput(PrivateSubnet(zone), "id"),
            }, []);
        }
    }

    private static void AddSecurityGroups(ClusterSpec spec, NetworkLayout network, Action<string, string, Dictionary<string, object?>, string[]> add)
    {
        foreach (var (name, role) in new[] { (ServerSecurityGroup, ConsulRole.Server), (ClientSecurityGroup, ConsulRole.Client) })
            add(name, "aws:ec2/securityGroup:SecurityGroup", new()
            {
                ["namePrefix"] = SecurityGroupNamePrefix(spec.Name, role),
                ["description"] = $"Consul {role.Key()}s of cluster {spec.Name}",
                ["vpcId"] = new ResourceOutput(Vpc, "id"),
                ["tags"] = Tags(spec, $"{spec.Name}-{role.Key()}"),
            }, []);

        foreach (var rule in SecurityRules.For(spec, network))
        {
            var properties = new Dictionary<string, object?>
            {
                ["securityGroupId"] = new ResourceOutput(rule.SecurityGroup, "id"),
                ["ipProtocol"] = rule.Protocol,
                ["fromPort"] = rule.FromPort,
                ["toPort"] = rule.ToPort,
                ["description"] = rule.Description,
            };
            if (rule.PeerSecurityGroup is not null)
                properties["referencedSecurityGroupId"] = new ResourceOutput(rule.PeerSecurityGroup, "id");
            else
                properties["cidrIpv4"] = rule.PeerCidr;
            add(rule.Name, rule.Egress ? "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule" : "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", properties, []);
        }
    }

    /// <summary>
    /// The cluster's own KMS key (not the account-wide aws/ssm key) and one SSM parameter per secret,
    /// fed from the stack's secret configuration. Only the CA certificate is a plain String: it is public.
    /// </summary>
    private static void AddSecrets(ClusterSpec spec, Action<string, string, Dictionary<string, object?>, string[]> add)
    {
        add(ClusterKey, "aws:kms/key:Key", new()
        {
            ["description"] = $"Encrypts the Consul secrets of cluster {spec.Name}",
            ["enableKeyRotation"] = true,
            // The shortest window AWS allows: a destroyed cluster's key goes soon, yet a mistaken destroy can still be undone.
            ["deletionWindowInDays"] = 7,
            ["tags"] = Tags(spec),
        }, []);
        add(ClusterKeyAlias, "aws:kms/alias:Alias", new()
        {
            ["name"] = KeyAliasName(spec.Name),
            ["targetKeyId"] = new ResourceOutput(ClusterKey, "keyId"),
        }, []);
        foreach (var parameter in ClusterParameters.All)
        {
            var properties = new Dictionary<string, object?>
            {
                ["name"] = parameter.Name(spec),
                ["type"] = parameter.Secure ? "SecureString" : "String",
                ["description"] = $"{parameter.Description} of cluster {spec.Name}",
                // The provider always treats a parameter's value as secret, even the public certificate's.
                ["value"] = new SecretValue(new ConfigRef(parameter.ConfigKey)),
                ["tags"] = Tags(spec),
            };
            if (parameter.Secure) properties["keyId"] = new ResourceOutput(ClusterKey, "arn");
            add(parameter.Resource, "aws:ssm/parameter:Parameter", properties, []);
        }
    }

    /// <summary>
    /// One role per Consul role, so that a client can never read what only servers need (the CA key,
    /// the management, replication and health tokens).
    /// </summary>
    private static void AddIam(ClusterSpec spec, ConsulRole role, Action<string, string, Dictionary<string, object?>, string[]> add)
    {
        add(Role(role), "aws:iam/role:Role", new()
        {
            ["namePrefix"] = RoleNamePrefix(spec.Name, role),
            ["description"] = $"Consul {role.Key()}s of cluster {spec.Name}",
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
            ["tags"] = Tags(spec),
        }, []);

        var groups = role == ConsulRole.Server
            ? Enumerable.Range(0, spec.AvailabilityZones.Count).Select(z => ClusterNames.ServerGroupName(spec, z)).ToList()
            : [ClusterNames.ClientGroupName(spec)];
        add(RolePolicy(role), "aws:iam/rolePolicy:RolePolicy", new()
        {
            ["role"] = new ResourceOutput(Role(role), "id"),
            ["policy"] = new ToJson(new Dictionary<string, object?>
            {
                ["Version"] = "2012-10-17",
                ["Statement"] = new List<object?>
                {
                    Statement("CloudAutoJoin", ["ec2:DescribeInstances"], ["*"]),
                    Statement("ShipLogs",
                        ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                        LogGroups.SelectMany(g => new object?[] { new ResourceOutput(g, "arn"), new Interpolation(new ResourceOutput(g, "arn"), ":*") }).ToList()),
                    Statement("ReadOwnParameters", ["ssm:GetParameter"],
                        ClusterParameters.ReadBy(role).Select(p => (object?)new ResourceOutput(p.Resource, "arn")).ToList()),
                    // Only through SSM: the key cannot be used directly even by this role.
                    Statement("DecryptOwnParameters", ["kms:Decrypt"], [new ResourceOutput(ClusterKey, "arn")],
                        new Dictionary<string, object?>
                        {
                            ["StringEquals"] = new Dictionary<string, object?> { ["kms:ViaService"] = $"ssm.{spec.Region}.amazonaws.com" },
                        }),
                    // The group ARN holds a generated id; the name part is what the plan fixes.
                    Statement("CompleteOwnBoot", ["autoscaling:CompleteLifecycleAction"],
                        groups.Select(g => (object?)new Interpolation(
                            $"arn:aws:autoscaling:{spec.Region}:", new VariableRef(AccountIdVariable), $":autoScalingGroup:*:autoScalingGroupName/{g}")).ToList()),
                },
            }),
        }, []);
        add(SessionManagerAttachment(role), "aws:iam/rolePolicyAttachment:RolePolicyAttachment", new()
        {
            ["role"] = new ResourceOutput(Role(role), "name"),
            ["policyArn"] = SessionManagerPolicyArn,
        }, []);
        add(InstanceProfile(role), "aws:iam/instanceProfile:InstanceProfile", new()
        {
            ["namePrefix"] = $"{spec.Name}-{role.Key()}-",
            ["role"] = new ResourceOutput(Role(role), "name"),
            ["tags"] = Tags(spec),
        }, []);
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
            ["iamInstanceProfile"] = new Dictionary<string, object?> { ["arn"] = new ResourceOutput(InstanceProfile(consulRole), "arn") },
            // No key pair and no public address: operators come in through Session Manager.
            ["networkInterfaces"] = new List<object?>
            {
                new Dictionary<string, object?>
                {
                    ["deviceIndex"] = 0,
                    // The provider types these as strings, not booleans.
                    ["associatePublicIpAddress"] = "false",
                    ["deleteOnTermination"] = "true",
                    ["securityGroups"] = new List<object?> { new ResourceOutput(securityGroup, "id") },
                },
            },
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
                        ["encrypted"] = "true",
                        ["deleteOnTermination"] = "true",
                    },
                },
            },
            ["userData"] = UserData.Encode(bootScripts[role]),
            ["tagSpecifications"] = new List<object?>
            {
                new Dictionary<string, object?> { ["resourceType"] = "instance", ["tags"] = instanceTags },
                new Dictionary<string, object?> { ["resourceType"] = "volume", ["tags"] = instanceTags },
            },
            ["tags"] = Tags(spec),
        }, [.. LogGroups, .. ClusterParameters.ReadBy(consulRole).Select(p => p.Resource)]);
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
        if (joinTag is not null) groupTags.Add(GroupTag(ClusterNames.JoinTagKey, joinTag));
        return new()
        {
            ["name"] = name,
            ["minSize"] = size,
            ["maxSize"] = size,
            ["desiredCapacity"] = size,
            ["vpcZoneIdentifiers"] = subnets,
            ["healthCheckType"] = "EC2",
            ["healthCheckGracePeriod"] = 300,
            // The group is created with its hook, so not even its first instances count before they prove their boot.
            ["initialLifecycleHooks"] = new List<object?>
            {
                new Dictionary<string, object?>
                {
                    ["name"] = ClusterNames.BootLifecycleHook,
                    ["lifecycleTransition"] = "autoscaling:EC2_INSTANCE_LAUNCHING",
                    ["defaultResult"] = "ABANDON",
                    ["heartbeatTimeout"] = BootHeartbeatSeconds,
                },
            },
            // Pulumi waits for capacity: longer than the hook's heartbeat, so an abandoned boot is reported as such.
            ["waitForCapacityTimeout"] = $"{BootHeartbeatSeconds / 60 + 10}m",
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

    private static Dictionary<string, object?> Statement(
        string sid, List<object?> actions, List<object?> resources, Dictionary<string, object?>? condition = null)
    {
        var statement = new Dictionary<string, object?>
        {
            ["Sid"] = sid,
            ["Effect"] = "Allow",
            ["Action"] = actions,
            ["Resource"] = resources,
        };
        if (condition is not null) statement["Condition"] = condition;
        return statement;
    }

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
            ["joinTags"] = zones.ToDictionary(z => spec.AvailabilityZones[z], z => (object?)ClusterNames.JoinTag(spec, z)),
            ["logGroups"] = LogGroups.Select(g => (object?)new ResourceOutput(g, "name")).ToList(),
            ["kmsKeyAlias"] = new ResourceOutput(ClusterKeyAlias, "name"),
            ["parameters"] = ClusterParameters.All.ToDictionary(p => p.RelativePath, p => (object?)new ResourceOutput(p.Resource, "name")),
            ["consulVersion"] = spec.ConsulVersion,
            ["dnsExamples"] = spec.AvailabilityZones.Select(dc => (object?)$"consul.service.{dc}.consul").ToList(),
        };
    }
}
