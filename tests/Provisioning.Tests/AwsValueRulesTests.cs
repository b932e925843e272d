using Provisioning.Clusters;
using Provisioning.Consul;
using Provisioning.Tests.Support;
using Provisioning.Topology;
using TestSupport;

namespace Provisioning.Tests;

public class AwsValueRulesTests
{
    /// <summary>The longest name a cluster may have.</summary>
    private const string LongestName = "a23456789-123456789-123456789-12";

    /// <summary>Every catalog version × 3/5 servers × 0/5/50 clients × admin range set/unset, with the longest name.</summary>
    public static TheoryData<string, int, int, bool> LargestInputs()
    {
        var data = new TheoryData<string, int, int, bool>();
        foreach (var version in ShippedCatalog.Value.ConsulVersions)
            foreach (var servers in new[] { 3, 5 })
                foreach (var clients in new[] { 0, 5, 50 })
                    foreach (var admin in new[] { false, true })
                        data.Add(version, servers, clients, admin);
        return data;
    }

    [Theory]
    [MemberData(nameof(LargestInputs))]
    public void Check_LargestInputsForEveryCatalogVersion_FindsNothingAwsWouldRefuse(string version, int servers, int clients, bool admin)
    {
        Assert.Equal(32, LongestName.Length);
        var spec = TestSpecs.Spec(LongestName, "ap-southeast-2", ["ap-southeast-2b", "ap-southeast-2c"], servers, clients,
            admin ? TestSpecs.AdminCidr : null) with { ConsulVersion = version };

        var violations = PlanValueRules.Check(TopologyPlanBuilder.Build(spec));

        // Each line names the resource, the property, the value and the rule it breaks.
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void Check_EveryRuledPropertyOfThePlan_IsActuallyChecked()
    {
        var plan = TestSpecs.Plan(TestSpecs.Spec(adminCidr: TestSpecs.AdminCidr));
        // Break every literal the rules cover, and each must be reported.
        var broken = plan with
        {
            Resources = plan.Resources.Select(r => r with { Properties = Break(r.Properties) }).ToList(),
        };

        var reported = PlanValueRules.Check(broken).Select(v => (v.Resource, v.Property)).ToHashSet();

        Assert.Contains((TopologyPlanBuilder.ServerSecurityGroup, "description"), reported);
        Assert.Contains((TopologyPlanBuilder.ServerSecurityGroup, "namePrefix"), reported);
        Assert.Contains(("serverSecurityGroupIngress8302UdpFromServers", "description"), reported);
        Assert.Contains(("serverRole", "namePrefix"), reported);
        Assert.Contains(("clientInstanceProfile", "namePrefix"), reported);
        Assert.Contains((TopologyPlanBuilder.ServerLaunchTemplate, "namePrefix"), reported);
        Assert.Contains((TopologyPlanBuilder.ConsulLogGroup, "name"), reported);
        Assert.Contains((ClusterParameters.GossipKey.Resource, "name"), reported);
        Assert.Contains((TopologyPlanBuilder.ClusterKeyAlias, "name"), reported);
        Assert.Contains((TopologyPlanBuilder.ClientGroup, "name"), reported);
        Assert.Contains((TopologyPlanBuilder.ClientGroup, "initialLifecycleHooks[].name"), reported);
        Assert.Contains((TopologyPlanBuilder.Vpc, "tags.Name"), reported);
        Assert.Contains((TopologyPlanBuilder.ClientGroup, "tags[].value"), reported);
        Assert.Contains((TopologyPlanBuilder.ServerLaunchTemplate, "tagSpecifications[].tags.Name"), reported);
    }

    [Theory]
    [InlineData("Consul WAN gossip between the two datacenters' servers", false)]
    [InlineData("Consul WAN gossip between the servers of both datacenters", true)]
    [InlineData("HTTPS (443) to AWS APIs: packages, releases", true)]
    [InlineData("tab\there", false)]
    public void SecurityGroupDescription_Apostrophes_AreRefusedAsAwsDoes(string description, bool allowed) =>
        Assert.Equal(allowed, AwsValueRules.SecurityGroupDescription.Allows(description));

    [Theory]
    [InlineData("consul-snapshots-alpha", true)]
    [InlineData("ab", false)]
    [InlineData("Consul-Snapshots", false)]
    [InlineData("consul..snapshots", false)]
    [InlineData("192.168.5.4", false)]
    [InlineData("xn--consul", false)]
    [InlineData("consul-s3alias", false)]
    [InlineData("-consul", false)]
    public void BucketName_Value_FollowsS3sNamingRules(string bucket, bool allowed) =>
        Assert.Equal(allowed, AwsValueRules.BucketName.Allows(bucket));

    [Theory]
    [InlineData("alias/consul-alpha", true)]
    [InlineData("alias/aws/consul", false)]
    [InlineData("consul-alpha", false)]
    [InlineData("alias/consul alpha", false)]
    public void KmsAlias_Value_FollowsKmsRules(string alias, bool allowed) =>
        Assert.Equal(allowed, AwsValueRules.KmsAlias.Allows(alias));

    [Theory]
    [InlineData("/consul/alpha/gossip-key", true)]
    [InlineData("/aws/consul", false)]
    [InlineData("ssm-consul", false)]
    [InlineData("/consul/alpha key", false)]
    public void ParameterName_Value_FollowsSsmRules(string name, bool allowed) =>
        Assert.Equal(allowed, AwsValueRules.ParameterName.Allows(name));

    [Theory]
    [InlineData("alpha-server-", true)]
    [InlineData("sg-alpha-server-", false)]
    public void SecurityGroupNamePrefix_Value_NeverStartsWithSg(string prefix, bool allowed) =>
        Assert.Equal(allowed, AwsValueRules.Prefix(AwsValueRules.SecurityGroupName).Allows(prefix));

    [Fact]
    public void RoleNamePrefix_LongestClusterName_FitsIamsLimitWithPulumisSuffix()
    {
        Assert.True(AwsValueRules.Prefix(AwsValueRules.IamRoleName).Allows(ClusterNames.RoleNamePrefix(LongestName, ConsulRole.Server)));
        Assert.False(AwsValueRules.Prefix(AwsValueRules.IamRoleName).Allows(LongestName + "-server-"));
    }

    /// <summary>Makes every string break its rule: too long, and with characters no AWS name allows.</summary>
    private static IReadOnlyDictionary<string, object?> Break(IReadOnlyDictionary<string, object?> properties) =>
        properties.ToDictionary(kv => kv.Key, kv => BreakValue(kv.Value));

    private static object? BreakValue(object? value) => value switch
    {
        string s => "sg-'" + s + new string('x', 1100),
        IReadOnlyDictionary<string, object?> map => Break(map),
        IEnumerable<object?> list => list.Select(BreakValue).ToList(),
        _ => value,
    };
}
