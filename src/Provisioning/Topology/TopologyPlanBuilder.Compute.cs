using Provisioning.Clusters;
using Provisioning.Consul;

namespace Provisioning.Topology;

/// <summary>Compute: the log groups the nodes ship to, their launch templates and groups, the AMIs they boot and their agent configurations.</summary>
public static partial class TopologyPlanBuilder
{
    private static void AddLogGroups(ClusterSpec spec, AddResource add)
    {
        foreach (var logGroup in LogGroups)
            add(logGroup, "aws:cloudwatch/logGroup:LogGroup", new()
            {
                ["name"] = ClusterNames.LogGroupName(spec, logGroup),
                ["retentionInDays"] = spec.LogRetentionDays,
                ["tags"] = Tags(spec),
            }, []);
    }

    /// <summary>A launch template per role, then a server group per AZ and one client group across both.</summary>
    private static void AddCompute(ClusterSpec spec, NetworkLayout network, IReadOnlyDictionary<string, string> bootScripts, AddResource add)
    {
        AddLaunchTemplate(spec, ServerLaunchTemplate, spec.ServerInstanceType, ServerSecurityGroup, ConsulRole.Server, bootScripts, add);
        AddLaunchTemplate(spec, ClientLaunchTemplate, spec.ClientInstanceType, ClientSecurityGroup, ConsulRole.Client, bootScripts, add);

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
            add(ServerGroup(zone), "aws:autoscaling/group:Group",
                Group(spec, ClusterNames.ServerGroupName(spec, zone), ServerLaunchTemplate, spec.ServersPerAz,
                    [new ResourceOutput(PrivateSubnet(zone), "id")], ClusterNames.JoinTag(spec, zone), "server"),
                BootNeeds(ConsulRole.Server, ServerSecurityGroup, [zone]));
        add(ClientGroup, "aws:autoscaling/group:Group",
            Group(spec, ClusterNames.ClientGroupName(spec), ClientLaunchTemplate, spec.ClientCount,
                allZones.Select(z => (object)new ResourceOutput(PrivateSubnet(z), "id")).ToList(),
                joinTag: null, "client"),
            BootNeeds(ConsulRole.Client, ClientSecurityGroup, allZones));
    }

    /// <summary>What the program looks up at deploy time: the AMI of each architecture in use, and the account.</summary>
    private static List<PlannedInvocation> Invocations(ClusterSpec spec) =>
        new[] { spec.ServerInstanceType, spec.ClientInstanceType }
            .Select(AmiFor).Distinct().Order()
            .Select(variable => new PlannedInvocation(variable, "aws:ssm/getParameter:getParameter", new Dictionary<string, object?>
            {
                ["name"] = variable == AmiArm64Variable ? AmiParameterArm64 : AmiParameterX86,
                ["region"] = spec.Region,
            }, "value"))
            // The account appears in the ARNs of the groups a role may complete lifecycle actions on.
            .Append(new PlannedInvocation(AccountIdVariable, "aws:index/getCallerIdentity:getCallerIdentity", new Dictionary<string, object?>(), "accountId"))
            .ToList();

    /// <summary>Each role's agent configuration per zone, as the boot script writes it (what the golden files pin).</summary>
    private static Dictionary<string, string> AgentConfigs(ClusterSpec spec, NetworkLayout network)
    {
        var agentConfigs = new Dictionary<string, string>();
        foreach (var role in Roles)
            for (var zone = 0; zone < network.Subnets.Count; zone++)
                agentConfigs[$"{role.Key()}/{spec.AvailabilityZones[zone]}"] =
                    ConsulAgentConfigs.For(role, spec, network, zone, ConsulNode.BootVariables).ToJson();
        return agentConfigs;
    }

    private static void AddLaunchTemplate(
        ClusterSpec spec, string name, string instanceType, string securityGroup, ConsulRole consulRole,
        IReadOnlyDictionary<string, string> bootScripts, AddResource add)
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
}
