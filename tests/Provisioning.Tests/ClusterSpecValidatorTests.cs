using Provisioning.Clusters;
using Provisioning.Tests.Support;

namespace Provisioning.Tests;

public class ClusterSpecValidatorTests
{
    private static ClusterSpecValidation Validate(ClusterSpecInput input) => ClusterSpecValidator.Validate(input, TestSpecs.Catalog, []);

    [Theory]
    [InlineData("0.0.0.0/0", "whole internet")]
    [InlineData("10.0.0.0/7", "wider than a /8")]
    [InlineData("64.0.0.0/2", "wider than a /8")]
    public void Validate_AdminRangeWiderThanASlash8_IsRefusedNamingTheField(string adminCidr, string reason)
    {
        var validation = Validate(new ClusterSpecInput { Name = "alpha", AdminCidr = adminCidr });

        Assert.False(validation.IsValid);
        Assert.Contains(reason, Assert.Single(validation.Errors["adminCidr"]));
    }

    [Theory]
    [InlineData("10.0.0.0/8")]
    [InlineData("198.51.100.0/24")]
    [InlineData("203.0.113.7/32")]
    public void Validate_AdminRangeOfASlash8OrNarrower_IsAccepted(string adminCidr) =>
        Assert.True(Validate(new ClusterSpecInput { Name = "alpha", AdminCidr = adminCidr }).IsValid);

    [Fact]
    public void Validate_NameAwsWouldRefuseForASecurityGroup_IsRefusedWithTheRule()
    {
        var validation = Validate(new ClusterSpecInput { Name = "sg-payments" });

        var message = Assert.Single(validation.Errors["name"]);
        Assert.Contains("not starting with sg-", message);
        Assert.Contains("security group", message);
    }

    [Fact]
    public void Problems_VersionOlderThanTheHardenedConfigurationSupports_IsNamed()
    {
        var catalog = ProvisioningCatalog.Default;
        catalog.ConsulVersions.Add("1.16.6");

        Assert.Contains(catalog.Problems(), p => p.Contains("1.16.6") && p.Contains("1.17.0"));
        Assert.Empty(ProvisioningCatalog.Default.Problems());
    }
}
