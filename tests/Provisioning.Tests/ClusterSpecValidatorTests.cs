using Provisioning.Clusters;
using Provisioning.Tests.Support;
using TestSupport;

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

    [Theory]
    [InlineData("010.0.0.0/16")]
    [InlineData("10.00.0.0/16")]
    [InlineData("10.0.0.00/16")]
    [InlineData("10.0.0.0/016")]
    [InlineData("10.0.0.0/+16")]
    [InlineData("10.0.0.0/ 16")]
    [InlineData("10.0.0.0 /16")]
    [InlineData("0x0a.0.0.0/16")]
    [InlineData("10.0.0/16")]
    [InlineData("10.0.0.0.0/16")]
    [InlineData("10.0.0.256/32")]
    [InlineData("１0.0.0.0/16")]
    public void TryParse_LeadingZerosOrAnythingButPlainDecimalOctets_IsRefused(string text)
    {
        Assert.False(Ipv4Cidr.TryParse(text, out var cidr, out var error));
        Assert.Null(cidr);
        Assert.Contains($"'{text}' is not an IPv4 CIDR block", error);
    }

    [Theory]
    [InlineData("10.0.0.0/16", "10.0.0.0/16")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    [InlineData(" 192.168.100.0/24 ", "192.168.100.0/24")]
    [InlineData("203.0.113.7/32", "203.0.113.7/32")]
    public void TryParse_PlainDecimalCidr_IsReadAsWritten(string text, string expected)
    {
        Assert.True(Ipv4Cidr.TryParse(text, out var cidr, out _));
        Assert.Equal(expected, cidr.Value.ToString());
    }

    [Fact]
    public void Validate_VpcWithALeadingZeroOctet_IsRefusedNotReadAsOctal()
    {
        var validation = Validate(new ClusterSpecInput { Name = "alpha", VpcCidr = "010.0.0.0/16" });

        Assert.False(validation.IsValid);
        Assert.Contains("010.0.0.0/16", Assert.Single(validation.Errors["vpcCidr"]));
    }

    [Fact]
    public void Validate_OverlapWithAClusterTheCallerCannotSee_NamesNeitherItNorItsRange()
    {
        var validation = ClusterSpecValidator.Validate(new ClusterSpecInput { Name = "alpha", VpcCidr = "10.5.0.0/20" }, TestSpecs.Catalog,
            [new ExistingCluster("secret", "10.5.0.0/16", Visible: false), new ExistingCluster("ours", "10.5.0.0/18")]);

        Assert.Equal(["10.5.0.0/20 overlaps another cluster's range.", "10.5.0.0/20 overlaps cluster 'ours' (10.5.0.0/18)."], validation.Conflicts["vpcCidr"]);
    }

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
        var catalog = ShippedCatalog.Value;
        catalog.ConsulVersions.Add("1.16.6");

        Assert.Contains(catalog.Problems(), p => p.Contains("1.16.6") && p.Contains("1.17.0"));
        Assert.Empty(ShippedCatalog.Value.Problems());
    }
}
