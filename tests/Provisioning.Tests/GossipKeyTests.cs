using Provisioning.Consul;
using Provisioning.Tests.Support;
using Provisioning.Security;

namespace Provisioning.Tests;

public class GossipKeyTests
{
    [Fact]
    public void Generate_TwoCalls_ReturnDistinct32ByteBase64Keys()
    {
        var first = GossipKey.Generate();
        var second = GossipKey.Generate();

        Assert.Equal(32, Convert.FromBase64String(first).Length);
        Assert.True(GossipKey.IsValid(first));
        Assert.True(GossipKey.IsValid(second));
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void GossipKeyLookalikes_TextHoldingAGeneratedKey_FindsIt()
    {
        var key = GossipKey.Generate();

        Assert.Equal([key], SecretScan.GossipKeyLookalikes($"encrypt = \"{key}\"\n"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA==")]
    public void IsValid_AnythingButA32ByteBase64Key_IsFalse(string? key) => Assert.False(GossipKey.IsValid(key));
}
