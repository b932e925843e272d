using Provisioning.Clusters;
using Provisioning.Consul;
using Provisioning.Security;
using Provisioning.Tests.Support;
using Provisioning.Topology;

namespace Provisioning.Tests;

public class TopologyPlanBuilderTests
{
    private static IReadOnlyDictionary<string, object?> Map(object? value) => Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(value);
    private static IReadOnlyList<object?> List(object? value) => Assert.IsAssignableFrom<IEnumerable<object?>>(value).ToList();

    [Fact]
    public void Build_Any_BootScriptsAreTheLaunchTemplatesUserData()
    {
        var plan = TestSpecs.Plan();

        Assert.Equal(["client", "server"], plan.BootScripts.Keys.Order());
        Assert.Equal(plan.BootScripts["server"], UserData.Decode((string)plan[TopologyPlanBuilder.ServerLaunchTemplate].Properties["userData"]!));
        Assert.Equal(plan.BootScripts["client"], UserData.Decode((string)plan[TopologyPlanBuilder.ClientLaunchTemplate].Properties["userData"]!));
        Assert.StartsWith("#!/usr/bin/env bash\n", plan.BootScripts["server"]);
    }

    [Fact]
    public void Build_ServerGroups_ArePinnedOnePerZoneWithAJoinTagPropagatedAtLaunch()
    {
        var plan = TestSpecs.Plan(TestSpecs.Spec(servers: 5));

        for (var zone = 0; zone < 2; zone++)
        {
            var group = plan[TopologyPlanBuilder.ServerGroup(zone)].Properties;
            Assert.Equal([new ResourceOutput(TopologyPlanBuilder.PrivateSubnet(zone), "id")], List(group["vpcZoneIdentifiers"]));
            Assert.Equal(5, group["minSize"]);
            Assert.Equal(5, group["maxSize"]);
            Assert.Equal(5, group["desiredCapacity"]);
            var join = List(group["tags"]).Select(Map).Single(t => (string?)t["key"] == "consul-join");
            Assert.Equal($"alpha-{plan.Spec.AvailabilityZones[zone]}", join["value"]);
            Assert.Equal(true, join["propagateAtLaunch"]);
            Assert.Equal(new ResourceOutput(TopologyPlanBuilder.ServerLaunchTemplate, "id"), Map(group["launchTemplate"])["id"]);
        }
    }

    [Fact]
    public void Build_ClientGroup_SpansBothSubnetsWithoutAJoinTag()
    {
        var plan = TestSpecs.Plan(TestSpecs.Spec(clients: 50));

        var group = plan[TopologyPlanBuilder.ClientGroup].Properties;

        Assert.Equal([new ResourceOutput("privateSubnetA", "id"), new ResourceOutput("privateSubnetB", "id")], List(group["vpcZoneIdentifiers"]));
        Assert.Equal(50, group["desiredCapacity"]);
        Assert.DoesNotContain(List(group["tags"]).Select(Map), t => (string?)t["key"] == "consul-join");
    }

    [Theory]
    [InlineData(null)]
    [InlineData(TestSpecs.AdminCidr)]
    public void Build_IngressRules_AreExactlyTheSpecificationsTable(string? admin)
    {
        var plan = TestSpecs.Plan(TestSpecs.Spec(adminCidr: admin));

        var rules = plan.Resources.Where(r => r.TypeName == "SecurityGroupIngressRule").Select(r => r.Properties).Select(p => string.Join(" ",
            ((ResourceOutput)p["securityGroupId"]!).Resource, p["ipProtocol"], p["fromPort"], p["toPort"],
            p.TryGetValue("referencedSecurityGroupId", out var group) ? ((ResourceOutput)group!).Resource : p["cidrIpv4"])).Order().ToList();

        List<string> expected =
        [
            "serverSecurityGroup tcp 8300 8300 serverSecurityGroup", "serverSecurityGroup tcp 8300 8300 clientSecurityGroup",
            "serverSecurityGroup tcp 8301 8301 serverSecurityGroup", "serverSecurityGroup udp 8301 8301 serverSecurityGroup",
            "serverSecurityGroup tcp 8301 8301 clientSecurityGroup", "serverSecurityGroup udp 8301 8301 clientSecurityGroup",
            "serverSecurityGroup tcp 8302 8302 serverSecurityGroup", "serverSecurityGroup udp 8302 8302 serverSecurityGroup",
            "clientSecurityGroup tcp 8301 8301 clientSecurityGroup", "clientSecurityGroup udp 8301 8301 clientSecurityGroup",
            "clientSecurityGroup tcp 8301 8301 serverSecurityGroup", "clientSecurityGroup udp 8301 8301 serverSecurityGroup",
        ];
        // The admin range reaches HTTPS only: no SSH, no plain HTTP.
        if (admin is not null) expected.Add($"serverSecurityGroup tcp 8501 8501 {admin}");
        Assert.Equal(expected.Order(), rules);
        Assert.All(plan.Resources.Where(r => r.TypeName == "SecurityGroup"), sg =>
        {
            Assert.False(sg.Properties.ContainsKey("ingress"));
            Assert.False(sg.Properties.ContainsKey("egress"));
        });
    }

    [Theory]
    [InlineData(ConsulRole.Server)]
    [InlineData(ConsulRole.Client)]
    public void Build_RolePolicy_GrantsEachRoleOnlyWhatItNeedsOnItsOwnResources(ConsulRole role)
    {
        var plan = TestSpecs.Plan();

        var policy = Map(((ToJson)plan[TopologyPlanBuilder.RolePolicy(role)].Properties["policy"]!).Value);
        var statements = List(policy["Statement"]).Select(Map).ToDictionary(s => (string)s["Sid"]!);

        Assert.Equal(["CloudAutoJoin", "CompleteOwnBoot", "DecryptOwnParameters", "ReadOwnParameters", "ShipLogs"], statements.Keys.Order());
        Assert.All(statements.Values, s => Assert.Equal("Allow", s["Effect"]));
        Assert.Equal(["*"], List(statements["CloudAutoJoin"]["Resource"]));
        Assert.Equal(["ec2:DescribeInstances"], List(statements["CloudAutoJoin"]["Action"]));
        Assert.All(PlanValues.ReferencedResources(statements["ShipLogs"]["Resource"]), r =>
            Assert.Contains(r, new[] { TopologyPlanBuilder.ConsulLogGroup, TopologyPlanBuilder.SystemLogGroup, TopologyPlanBuilder.BootLogGroup }));

        var readable = PlanValues.ReferencedResources(statements["ReadOwnParameters"]["Resource"]).Order().ToList();
        var expected = role == ConsulRole.Server
            ? ClusterParameters.All.Select(p => p.Resource)
            : [ClusterParameters.GossipKey.Resource, ClusterParameters.CaCertificate.Resource, ClusterParameters.AgentToken.Resource, ClusterParameters.DnsToken.Resource];
        Assert.Equal(expected.Order(), readable);
        Assert.Equal(["ssm:GetParameter"], List(statements["ReadOwnParameters"]["Action"]));

        Assert.Equal([new ResourceOutput(TopologyPlanBuilder.ClusterKey, "arn")], List(statements["DecryptOwnParameters"]["Resource"]));
        Assert.Equal(["kms:Decrypt"], List(statements["DecryptOwnParameters"]["Action"]));
        Assert.Equal("ssm.eu-west-1.amazonaws.com", Map(Map(statements["DecryptOwnParameters"]["Condition"])["StringEquals"])["kms:ViaService"]);

        var groups = List(statements["CompleteOwnBoot"]["Resource"]).Cast<Interpolation>()
            .Select(i => string.Concat(i.Parts.Select(p => p as string ?? "<account>"))).ToList();
        Assert.Equal(role == ConsulRole.Server
            ? ["arn:aws:autoscaling:eu-west-1:<account>:autoScalingGroup:*:autoScalingGroupName/alpha-server-eu-west-1a",
               "arn:aws:autoscaling:eu-west-1:<account>:autoScalingGroup:*:autoScalingGroupName/alpha-server-eu-west-1b"]
            : ["arn:aws:autoscaling:eu-west-1:<account>:autoScalingGroup:*:autoScalingGroupName/alpha-client"], groups);
        Assert.Equal(["autoscaling:CompleteLifecycleAction"], List(statements["CompleteOwnBoot"]["Action"]));
    }

    [Theory]
    [InlineData(ConsulRole.Server)]
    [InlineData(ConsulRole.Client)]
    public void Build_EachRole_HasItsOwnInstanceProfileAndSessionManagerInsteadOfSsh(ConsulRole role)
    {
        var plan = TestSpecs.Plan();

        var attachment = plan[TopologyPlanBuilder.SessionManagerAttachment(role)].Properties;
        var profile = plan[TopologyPlanBuilder.InstanceProfile(role)].Properties;

        Assert.Equal(TopologyPlanBuilder.SessionManagerPolicyArn, attachment["policyArn"]);
        Assert.Equal(new ResourceOutput(TopologyPlanBuilder.Role(role), "name"), attachment["role"]);
        Assert.Equal(new ResourceOutput(TopologyPlanBuilder.Role(role), "name"), profile["role"]);
        Assert.DoesNotContain(plan.Resources, r => r.Properties.ContainsKey("keyName"));
    }

    [Fact]
    public void Build_EgressRules_AllowOnlyHttpsDnsToTheVpcResolverAndConsulInsideTheVpc()
    {
        var plan = TestSpecs.Plan();

        foreach (var group in new[] { TopologyPlanBuilder.ServerSecurityGroup, TopologyPlanBuilder.ClientSecurityGroup })
        {
            var rules = plan.Resources.Where(r => r.TypeName == "SecurityGroupEgressRule")
                .Select(r => r.Properties).Where(p => ((ResourceOutput)p["securityGroupId"]!).Resource == group)
                .Select(p => $"{p["ipProtocol"]} {p["fromPort"]}-{p["toPort"]} {p["cidrIpv4"]}").Order().ToList();
            Assert.Equal(["tcp 443-443 0.0.0.0/0", "tcp 53-53 10.0.0.2/32", "tcp 8300-8302 10.0.0.0/16", "udp 53-53 10.0.0.2/32", "udp 8301-8302 10.0.0.0/16"], rules);
        }
        Assert.DoesNotContain(plan.Resources, r => (string?)r.Properties.GetValueOrDefault("ipProtocol") == "-1");
    }

    [Fact]
    public void Build_EachZone_HasAPublicSubnetWithItsOwnNatGatewayAndAPrivateSubnetRoutedThroughIt()
    {
        var plan = TestSpecs.Plan();

        for (var zone = 0; zone < 2; zone++)
        {
            var nat = plan[TopologyPlanBuilder.NatGateway(zone)].Properties;
            Assert.Equal(new ResourceOutput(TopologyPlanBuilder.PublicSubnet(zone), "id"), nat["subnetId"]);
            Assert.Equal(new ResourceOutput(TopologyPlanBuilder.NatAddress(zone), "allocationId"), nat["allocationId"]);
            var route = plan[TopologyPlanBuilder.NatRoute(zone)].Properties;
            Assert.Equal(new ResourceOutput(TopologyPlanBuilder.PrivateRouteTable(zone), "id"), route["routeTableId"]);
            Assert.Equal(new ResourceOutput(TopologyPlanBuilder.NatGateway(zone), "id"), route["natGatewayId"]);
            Assert.Equal(new ResourceOutput(TopologyPlanBuilder.PrivateSubnet(zone), "id"),
                plan[TopologyPlanBuilder.PrivateRouteTableAssociation(zone)].Properties["subnetId"]);
            Assert.Equal(plan.Spec.AvailabilityZones[zone], plan[TopologyPlanBuilder.PublicSubnet(zone)].Properties["availabilityZone"]);
            Assert.Equal(plan.Spec.AvailabilityZones[zone], plan[TopologyPlanBuilder.PrivateSubnet(zone)].Properties["availabilityZone"]);
        }
        Assert.All(plan.Resources.Where(r => r.TypeName == "Subnet"), s => Assert.Equal(false, s.Properties["mapPublicIpOnLaunch"]));
        // Only the public route table reaches the internet gateway.
        Assert.Single(plan.Resources, r => r.Properties.ContainsKey("gatewayId"));
    }

    [Fact]
    public void Build_EveryGroup_HasALaunchingHookThatAbandonsUnprovenInstances()
    {
        var plan = TestSpecs.Plan();

        foreach (var name in new[] { TopologyPlanBuilder.ServerGroup(0), TopologyPlanBuilder.ServerGroup(1), TopologyPlanBuilder.ClientGroup })
        {
            var hook = Map(Assert.Single(List(plan[name].Properties["initialLifecycleHooks"])));
            Assert.Equal(ClusterNames.BootLifecycleHook, hook["name"]);
            Assert.Equal("autoscaling:EC2_INSTANCE_LAUNCHING", hook["lifecycleTransition"]);
            Assert.Equal("ABANDON", hook["defaultResult"]);
            // Installing takes a few minutes on top of the waits: five spare.
            Assert.True((int)hook["heartbeatTimeout"]! >= BootScript.SelfTestAttempts * BootScript.SelfTestIntervalSeconds
                + BootScript.RootsAttempts * BootScript.RootsIntervalSeconds + 300, name);
        }
    }

    [Fact]
    public void Build_SecretParameters_AreSecureStringsUnderTheClustersOwnKeyFedFromSecretConfig()
    {
        var plan = TestSpecs.Plan();

        foreach (var parameter in ClusterParameters.All)
        {
            var properties = plan[parameter.Resource].Properties;
            Assert.StartsWith("/consul/alpha/", (string)properties["name"]!);
            if (parameter == ClusterParameters.CaCertificate)
            {
                Assert.Equal("String", properties["type"]);
                Assert.Equal(new SecretValue(new ConfigRef(SecretConfig.CaCertificate)), properties["value"]);
                Assert.False(properties.ContainsKey("keyId"));
                continue;
            }
            Assert.Equal("SecureString", properties["type"]);
            Assert.Equal(new SecretValue(new ConfigRef(parameter.ConfigKey)), properties["value"]);
            Assert.Equal(new ResourceOutput(TopologyPlanBuilder.ClusterKey, "arn"), properties["keyId"]);
        }
        Assert.Equal("/consul/alpha/gossip-key", plan[ClusterParameters.GossipKey.Resource].Properties["name"]);
        var key = plan[TopologyPlanBuilder.ClusterKey].Properties;
        Assert.Equal(true, key["enableKeyRotation"]);
        Assert.Equal("alias/consul-alpha", plan[TopologyPlanBuilder.ClusterKeyAlias].Properties["name"]);
    }

    [Fact]
    public void Build_LaunchTemplates_RequireImdsV2TagTheirInstancesAndNeverAskForAPublicAddress()
    {
        var plan = TestSpecs.Plan();

        foreach (var (name, role) in new[] { (TopologyPlanBuilder.ServerLaunchTemplate, ConsulRole.Server), (TopologyPlanBuilder.ClientLaunchTemplate, ConsulRole.Client) })
        {
            var template = plan[name].Properties;
            Assert.Equal("required", Map(template["metadataOptions"])["httpTokens"]);
            Assert.Equal(new ResourceOutput(TopologyPlanBuilder.InstanceProfile(role), "arn"), Map(template["iamInstanceProfile"])["arn"]);
            var instanceTags = List(template["tagSpecifications"]).Select(Map).Single(t => (string?)t["resourceType"] == "instance");
            Assert.Equal("alpha", Map(instanceTags["tags"])["consul-cluster"]);
            Assert.Equal("true", Map(Map(List(template["blockDeviceMappings"])[0])["ebs"])["encrypted"]);
            var nic = Map(Assert.Single(List(template["networkInterfaces"])));
            Assert.Equal("false", nic["associatePublicIpAddress"]);
            Assert.False(template.ContainsKey("keyName"));
            Assert.False(template.ContainsKey("vpcSecurityGroupIds"));
        }
    }

    [Fact]
    public void Build_LogGroups_KeepTheRequestedRetention()
    {
        var plan = TestSpecs.Plan(TestSpecs.Spec() with { LogRetentionDays = 90 });

        var groups = plan.Resources.Where(r => r.TypeName == "LogGroup").ToList();

        Assert.Equal(3, groups.Count);
        Assert.All(groups, g => Assert.Equal(90, g.Properties["retentionInDays"]));
    }

    [Fact]
    public void Build_LongestClusterName_KeepsTheRoleNamePrefixWithinIamsLimit()
    {
        var plan = TestSpecs.Plan(TestSpecs.Spec(name: "a" + new string('b', 30) + "c"));

        foreach (var role in new[] { ConsulRole.Server, ConsulRole.Client })
        {
            var prefix = (string)plan[TopologyPlanBuilder.Role(role)].Properties["namePrefix"]!;
            Assert.True(prefix.Length <= 38, prefix);
        }
    }

    [Fact]
    public void Build_Any_EveryReferenceNamesAPlannedResourceAndTheGraphIsAcyclic()
    {
        var plan = TestSpecs.Plan(TestSpecs.Spec(adminCidr: TestSpecs.AdminCidr));

        var names = plan.Resources.Select(r => r.Name).ToHashSet();

        Assert.All(plan.Resources.SelectMany(r => r.DependsOn), d => Assert.Contains(d, names));
        Assert.All(PlanValues.ReferencedResources(plan.Outputs), d => Assert.Contains(d, names));
        Assert.Equal(plan.Resources.Count, plan.Waves().Sum(w => w.Count));
        Assert.Equal(names.Count, plan.Resources.Count);
    }

    [Theory]
    [InlineData("t4g.small", true)]
    [InlineData("m7g.large", true)]
    [InlineData("c7gn.xlarge", true)]
    [InlineData("im4gn.large", true)]
    [InlineData("g5g.xlarge", true)]
    [InlineData("a1.medium", true)]
    [InlineData("t3.small", false)]
    [InlineData("m7i-flex.large", false)]
    [InlineData("g4dn.xlarge", false)]
    [InlineData("m6i.large", false)]
    public void IsArm64_InstanceType_RecognisesGravitonFamilies(string instanceType, bool arm64) =>
        Assert.Equal(arm64, TopologyPlanBuilder.IsArm64(instanceType));

    [Fact]
    public void Build_SameArchitectureForBothRoles_InvokesOneAmiLookup()
    {
        var plan = TestSpecs.Plan();

        var invocation = Assert.Single(plan.Invocations, i => i.Function == "aws:ssm/getParameter:getParameter");

        Assert.Equal(TopologyPlanBuilder.AmiParameterX86, invocation.Arguments["name"]);
        Assert.Equal("value", invocation.Return);
    }
}
