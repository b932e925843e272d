using Provisioning.Clusters;

namespace Provisioning.Topology;

/// <summary>Builds the dual-AZ topology of consul-topology.md from a validated spec.</summary>
public static class TopologyPlanBuilder
{
    public const string
        Vpc = "vpc", InternetGateway = "internetGateway", RouteTable = "publicRouteTable", DefaultRoute = "internetRoute",
        ServerSecurityGroup = "serverSecurityGroup", ClientSecurityGroup = "clientSecurityGroup",
        Role = "consulRole", RolePolicy = "consulRolePolicy", InstanceProfile = "consulInstanceProfile",
        ConsulLogGroup = "consulLogGroup", SystemLogGroup = "systemLogGroup", BootLogGroup = "bootLogGroup",
        GossipKeyParameter = "gossipKeyParameter",
        ServerLaunchTemplate = "serverLaunchTemplate", ClientLaunchTemplate = "clientLaunchTemplate",
        ClientGroup = "clientGroup", AmiVariable = "consulAmi";

    /// <summary>Subnet, route-table association and server group names carry the AZ's letter: subnetA, serverGroupB.</summary>
    public static string Subnet(int zone) => $"subnet{Letter(zone)}";
    public static string RouteTableAssociation(int zone) => $"publicRouteTableAssociation{Letter(zone)}";
    public static string ServerGroup(int zone) => $"serverGroup{Letter(zone)}";
    public static string JoinTag(ClusterSpec spec, int zone) => $"{spec.Name}-{spec.AvailabilityZones[zone]}";

    private static char Letter(int zone) => (char)('A' + zone);

    public static TopologyPlan Build(ClusterSpec spec)
    {
        var network = NetworkLayout.For(spec);
        var resources = new List<PlannedResource>();
        void Add(string name, string type, Dictionary<string, object?> properties, params string[] dependsOn) =>
            resources.Add(new PlannedResource(name, type, properties, dependsOn));

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
        foreach (var (logGroup, suffix) in logGroups.Zip(new[] { "consul", "system", "boot" }))
            Add(logGroup, "aws:cloudwatch/logGroup:LogGroup", new()
            {
                ["name"] = $"/consul/{spec.Name}/{suffix}",
                ["retentionInDays"] = spec.LogRetentionDays,
                ["tags"] = tags,
            });

        Add(GossipKeyParameter, "aws:ssm/parameter:Parameter", new()
        {
            ["name"] = $"/consul/{spec.Name}/gossip-key",
            ["type"] = "SecureString",
            ["description"] = $"Consul gossip encryption key of cluster {spec.Name}",
            ["value"] = new SecretValue(new ConfigRef(TopologyPlan.GossipKeyConfig)),
            ["tags"] = tags,
        });

        Add(Role, "aws:iam/role:Role", new()
        {
            ["namePrefix"] = $"{spec.Name}-consul-",
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

        AddLaunchTemplate(spec, ServerLaunchTemplate, spec.ServerInstanceType, ServerSecurityGroup, "server", Add);
        AddLaunchTemplate(spec, ClientLaunchTemplate, spec.ClientInstanceType, ClientSecurityGroup, "client", Add);

        for (var zone = 0; zone < network.Subnets.Count; zone++)
            Add(ServerGroup(zone), "aws:autoscaling/group:Group",
                Group(spec, $"{spec.Name}-server-{spec.AvailabilityZones[zone]}", ServerLaunchTemplate, spec.ServersPerAz,
                    [new ResourceOutput(Subnet(zone), "id")], JoinTag(spec, zone), "server"),
                RolePolicy);
        Add(ClientGroup, "aws:autoscaling/group:Group",
            Group(spec, $"{spec.Name}-client", ClientLaunchTemplate, spec.ClientCount,
                Enumerable.Range(0, network.Subnets.Count).Select(z => (object)new ResourceOutput(Subnet(z), "id")).ToList(),
                joinTag: null, "client"),
            RolePolicy);

        var invocations = new List<PlannedInvocation>
        {
            new(AmiVariable, "aws:ssm/getParameter:getParameter", new Dictionary<string, object?>
            {
                ["name"] = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
            }, "value"),
        };

        return new TopologyPlan(spec, network, resources, invocations, Outputs(spec, network), new Dictionary<string, string>());
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
        ClusterSpec spec, string name, string instanceType, string securityGroup, string role,
        Action<string, string, Dictionary<string, object?>, string[]> add)
    {
        var instanceTags = Tags(spec, $"{spec.Name}-{role}");
        add(name, "aws:ec2/launchTemplate:LaunchTemplate", new()
        {
            ["namePrefix"] = $"{spec.Name}-{role}-",
            ["imageId"] = new VariableRef(AmiVariable),
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
            ["userData"] = new ToBase64(BootScriptPlaceholder(spec, role)),
            ["tagSpecifications"] = new List<object?>
            {
                new Dictionary<string, object?> { ["resourceType"] = "instance", ["tags"] = instanceTags },
                new Dictionary<string, object?> { ["resourceType"] = "volume", ["tags"] = instanceTags },
            },
            ["tags"] = Tags(spec),
        }, [ConsulLogGroup, SystemLogGroup, BootLogGroup, GossipKeyParameter]);
    }

    // Deepened by the boot-script renderer; kept free of secrets (the key is read from SSM at boot).
    private static string BootScriptPlaceholder(ClusterSpec spec, string role) =>
        $"#!/usr/bin/env bash\n# Consul {spec.ConsulVersion} {role} of {spec.Name}\n";

    private static Dictionary<string, object?> Group(
        ClusterSpec spec, string name, string launchTemplate, int size, List<object> subnets, string? joinTag, string role)
    {
        var groupTags = new List<object?>
        {
            GroupTag("Name", $"{spec.Name}-{role}"),
            GroupTag("consul-cluster", spec.Name),
            GroupTag("consul-role", role),
        };
        if (joinTag is not null) groupTags.Add(GroupTag("consul-join", joinTag));
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
                ["version"] = new ResourceOutput(launchTemplate, "latestVersion"),
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
            ["dnsExamples"] = spec.AvailabilityZones.Select(dc => (object?)$"consul.service.{dc}.consul").ToList(),
        };
    }
}
