using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TestSupport.Portal;

namespace Portal.Tests.Api;

public sealed class CatalogApiTests : PortalApiTest
{
    [Fact]
    public async Task GetCatalog_ConfiguredChoices_AreWhatACreateMayChooseFrom()
    {
        // A version added in configuration, as an operator adds a release: the catalog is the configuration, not a copy of it.
        App.Settings["Provisioning:Catalog:ConsulVersions:2"] = "2.2.1";

        var catalog = await Http.GetFromJsonAsync<JsonObject>("/api/v1/catalog", Ct);

        Assert.Equal(["2.0.4", "2.1.0", "2.2.1"], catalog!["consulVersions"]!.AsArray().Select(v => (string)v!));
        var regions = catalog["regions"]!.AsArray();
        Assert.Contains(regions, r => (string)r!["name"]! == "eu-west-1"
            && r["availabilityZones"]!.AsArray().Select(z => (string)z!).SequenceEqual(["eu-west-1a", "eu-west-1b", "eu-west-1c"]));
        Assert.Contains("t3.medium", catalog["instanceTypes"]!.AsArray().Select(t => (string)t!));
        Assert.Equal(50, (int)catalog["limits"]!["maxClientCount"]!);
        var defaults = catalog["defaults"]!;
        Assert.Equal("eu-west-1", (string)defaults["region"]!);
        Assert.Equal(["eu-west-1a", "eu-west-1b"], defaults["availabilityZones"]!.AsArray().Select(z => (string)z!));
        Assert.Equal(5, (int)defaults["clientCount"]!);

        // What the catalog offers is accepted, and what it gives as defaults is what a create without them gets.
        var created = await Http.CreateClusterAsync(new { name = "from-catalog", consulVersion = "2.2.1" });
        Assert.Equal("2.2.1", (string)created["cluster"]!["spec"]!["consulVersion"]!);
        Assert.Equal((string)defaults["serverInstanceType"]!, (string)created["cluster"]!["spec"]!["serverInstanceType"]!);
        Assert.Equal((int)defaults["clientCount"]!, (int)created["cluster"]!["spec"]!["clientCount"]!);
    }

    [Fact]
    public async Task GetCatalog_WithoutCredentials_IsRefused()
    {
        using var anonymous = App.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/catalog", Ct)).StatusCode);
    }
}
