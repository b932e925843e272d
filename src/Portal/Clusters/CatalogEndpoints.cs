using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Portal.Api;
using Portal.Engines;
using Provisioning.Clusters;

namespace Portal.Clusters;

/// <summary><c>/api/v1/catalog</c>: what a cluster may be made of, as the create form offers it, for automation to choose from.</summary>
public static class CatalogEndpoints
{
    public static RouteGroupBuilder MapCatalog(this RouteGroupBuilder api)
    {
        api.MapGet("/catalog", GetCatalog).WithTags("Clusters").WithName("GetCatalog")
            .WithSummary("What a cluster may be made of: regions and their Availability Zones, instance types, Consul versions, limits and the defaults of a create")
            .RequireAuthorization(Policies.ClustersRead);
        return api;
    }

    private static Ok<CatalogView> GetCatalog(IOptions<ProvisioningOptions> options) => TypedResults.Ok(CatalogView.From(options.Value.Catalog));
}

/// <summary>The choices of a create request; a value outside them is refused with its field named.</summary>
public sealed record CatalogView(
    IReadOnlyList<CatalogRegion> Regions,
    IReadOnlyList<string> InstanceTypes,
    IReadOnlyList<string> ConsulVersions,
    IReadOnlyList<int> LogRetentionDays,
    CatalogLimits Limits,
    CatalogDefaults Defaults)
{
    public static CatalogView From(ProvisioningCatalog catalog) => new(
        [.. catalog.Regions.Select(r => new CatalogRegion(r.Key, r.Value))],
        catalog.InstanceTypes,
        catalog.ConsulVersions,
        ClusterSpecValidator.RetentionDays,
        new CatalogLimits(ClusterSpecValidator.MaxClients, ClusterSpecValidator.MaxTimeToLiveHours),
        new CatalogDefaults(
            catalog.DefaultRegion,
            [.. catalog.Regions.GetValueOrDefault(catalog.DefaultRegion, []).Take(2)],
            catalog.DefaultServerInstanceType,
            catalog.DefaultClientInstanceType,
            catalog.DefaultConsulVersion,
            ClusterSpecValidator.DefaultClients,
            ClusterSpecValidator.DefaultLogRetentionDays));
}

/// <summary>A region and its Availability Zones, in AWS order; a cluster takes two of them.</summary>
public sealed record CatalogRegion(string Name, IReadOnlyList<string> AvailabilityZones);

/// <summary>The largest client count and time to live a request may ask for (both from 0 and 1 up).</summary>
public sealed record CatalogLimits(int MaxClientCount, int MaxTimeToLiveHours);

/// <summary>What a create request gets for each field it leaves out; the VPC range is the first free /16.</summary>
public sealed record CatalogDefaults(
    string Region,
    IReadOnlyList<string> AvailabilityZones,
    string ServerInstanceType,
    string ClientInstanceType,
    string ConsulVersion,
    int ClientCount,
    int LogRetentionDays);
