using Provisioning.Clusters;
using Provisioning.Security;
using Provisioning.Topology;
using TestSupport;

namespace Provisioning.Tests.Support;

/// <summary>Validated specs, built the way the portal builds them: through the one validator.</summary>
internal static class TestSpecs
{
    public const string AdminCidr = "198.51.100.0/24";

    /// <summary>A fresh set of cluster secrets, made as the portal makes them.</summary>
    public static ClusterSecrets Secrets(string cluster = "alpha") => ClusterSecrets.Generate(cluster, DateTimeOffset.UtcNow);

    /// <summary>The shipped catalog plus Graviton types, so both AMI architectures are exercised.</summary>
    public static ProvisioningCatalog Catalog
    {
        get
        {
            var catalog = ShippedCatalog.Value;
            catalog.InstanceTypes.AddRange(["t4g.small", "m7g.large"]);
            return catalog;
        }
    }

    public static ClusterSpec Spec(
        string name = "alpha", string? region = null, List<string>? zones = null, int servers = 3, int clients = 5,
        string? adminCidr = null, string? serverType = null, string? clientType = null)
    {
        var validation = ClusterSpecValidator.Validate(new ClusterSpecInput
        {
            Name = name,
            Region = region,
            AvailabilityZones = zones,
            ServersPerAz = servers,
            ClientCount = clients,
            AdminCidr = adminCidr,
            ServerInstanceType = serverType,
            ClientInstanceType = clientType,
        }, Catalog, []);
        Assert.True(validation.IsValid, string.Join("; ", validation.Errors.SelectMany(e => e.Value)));
        return validation.Spec!;
    }

    public static TopologyPlan Plan(ClusterSpec? spec = null) => TopologyPlanBuilder.Build(spec ?? Spec());

    /// <summary>Regions and AZ pairs × 3/5 servers × 0/5/50 clients × admin CIDR set/unset, with x86 and Graviton types.</summary>
    public static TheoryData<string, string, string, int, int, bool> Matrix()
    {
        var data = new TheoryData<string, string, string, int, int, bool>();
        (string Region, string AzA, string AzB)[] places =
            [("eu-west-1", "eu-west-1a", "eu-west-1b"), ("us-east-1", "us-east-1c", "us-east-1f"), ("ap-southeast-2", "ap-southeast-2b", "ap-southeast-2c")];
        foreach (var (region, azA, azB) in places)
            foreach (var servers in new[] { 3, 5 })
                foreach (var clients in new[] { 0, 5, 50 })
                    foreach (var admin in new[] { false, true })
                        data.Add(region, azA, azB, servers, clients, admin);
        return data;
    }

    public static ClusterSpec FromMatrix(string region, string azA, string azB, int servers, int clients, bool admin) =>
        Spec($"c-{region}-{servers}-{clients}", region, [azA, azB], servers, clients, admin ? AdminCidr : null,
            // One region runs Graviton servers beside x86 clients: both AMI lookups in one program.
            serverType: region == "us-east-1" ? "t4g.small" : null,
            clientType: region == "ap-southeast-2" ? "m7g.large" : null);
}
