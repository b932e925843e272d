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
        Assert.Equal(new ToBase64(plan.BootScripts["server"]), plan[TopologyPlanBuilder.ServerLaunchTemplate].Properties["userData"]);
        Assert.Equal(new ToBase64(plan.BootScripts["client"]), plan[TopologyPlanBuilder.ClientLaunchTemplate].Properties["userData"]);
        Assert.StartsWith("#!/usr/bin/env bash\n", plan.BootScripts["server"]);
    }

    [Fact]
    public void Build_ServerGroups_ArePinnedOnePerZoneWithAJoinTagPropagatedAtLaunch()
    {
        var plan = TestSpecs.Plan(TestSpecs.Spec(servers: 5));

        for (var zone = 0; zone < 2; zone++)
        {
            var group = plan[TopologyPlanBuilder.ServerGroup(zone)].Properties;
            Assert.Equal([new ResourceOutput(TopologyPlanBuilder.Subnet(zone), "id")], List(group["vpcZoneIdentifiers"]));
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

        Assert.Equal([new ResourceOutput("subnetA", "id"), new ResourceOutput("subnetB", "id")], List(group["vpcZoneIdentifiers"]));
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
        if (admin is not null) expected.AddRange([$"serverSecurityGroup tcp 8500 8500 {admin}", $"serverSecurityGroup tcp 22 22 {admin}"]);
        Assert.Equal(expected.Order(), rules);
        Assert.Equal(2, plan.Resources.Count(r => r.TypeName == "SecurityGroupEgressRule"));
        Assert.All(plan.Resources.Where(r => r.TypeName == "SecurityGroup"), sg =>
        {
            Assert.False(sg.Properties.ContainsKey("ingress"));
            Assert.False(sg.Properties.ContainsKey("egress"));
        });
    }

    [Fact]
    public void Build_RolePolicy_GrantsOnlyWhatTheClusterNeedsOnItsOwnResources()
    {
        var plan = TestSpecs.Plan();

        var policy = Map(((ToJson)plan[TopologyPlanBuilder.RolePolicy].Properties["policy"]!).Value);
        var statements = List(policy["Statement"]).Select(Map).ToList();

        var actions = statements.SelectMany(s => List(s["Action"])).Cast<string>().Order().ToList();
        Assert.Equal(["ec2:DescribeInstances", "logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents", "ssm:GetParameter"], actions);
        Assert.All(statements, s => Assert.Equal("Allow", s["Effect"]));
        foreach (var statement in statements)
        {
            var resources = List(statement["Resource"]);
            if (List(statement["Action"]).SequenceEqual(["ec2:DescribeInstances"]))
                Assert.Equal(["*"], resources);
            else
                Assert.All(PlanValues.ReferencedResources(resources), r =>
                    Assert.Contains(r, new[] { TopologyPlanBuilder.ConsulLogGroup, TopologyPlanBuilder.SystemLogGroup, TopologyPlanBuilder.BootLogGroup, TopologyPlanBuilder.GossipKeyParameter }));
        }
        var ssm = statements.Single(s => List(s["Action"]).Contains("ssm:GetParameter"));
        Assert.Equal([new ResourceOutput(TopologyPlanBuilder.GossipKeyParameter, "arn")], List(ssm["Resource"]));
    }

    [Fact]
    public void Build_GossipKeyParameter_IsASecureStringFedFromTheSecretConfig()
    {
        var parameter = TestSpecs.Plan()[TopologyPlanBuilder.GossipKeyParameter].Properties;

        Assert.Equal("SecureString", parameter["type"]);
        Assert.Equal("/consul/alpha/gossip-key", parameter["name"]);
        Assert.Equal(new SecretValue(new ConfigRef(TopologyPlan.GossipKeyConfig)), parameter["value"]);
    }

    [Fact]
    public void Build_LaunchTemplates_RequireImdsV2AndTagTheirInstances()
    {
        var plan = TestSpecs.Plan();

        foreach (var name in new[] { TopologyPlanBuilder.ServerLaunchTemplate, TopologyPlanBuilder.ClientLaunchTemplate })
        {
            var template = plan[name].Properties;
            Assert.Equal("required", Map(template["metadataOptions"])["httpTokens"]);
            Assert.Equal(new ResourceOutput(TopologyPlanBuilder.InstanceProfile, "arn"), Map(template["iamInstanceProfile"])["arn"]);
            var instanceTags = List(template["tagSpecifications"]).Select(Map).Single(t => (string?)t["resourceType"] == "instance");
            Assert.Equal("alpha", Map(instanceTags["tags"])["consul-cluster"]);
            Assert.Equal("true", Map(Map(List(template["blockDeviceMappings"])[0])["ebs"])["encrypted"]);
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

        var prefix = (string)plan[TopologyPlanBuilder.Role].Properties["namePrefix"]!;

        Assert.True(prefix.Length <= 38, prefix);
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

        var invocation = Assert.Single(plan.Invocations);

        Assert.Equal("aws:ssm/getParameter:getParameter", invocation.Function);
        Assert.Equal(TopologyPlanBuilder.AmiParameterX86, invocation.Arguments["name"]);
        Assert.Equal("value", invocation.Return);
    }
}
