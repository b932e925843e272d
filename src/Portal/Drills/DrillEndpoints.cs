using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Api;
using Portal.Clusters;
using Portal.Identity;

namespace Portal.Drills;

public static class DrillEndpoints
{
    public static RouteGroupBuilder MapDrills(this RouteGroupBuilder api)
    {
        var drills = api.MapGroup("/clusters/{name}/drills").WithTags("Drills").RequireAuthorization(Policies.ClustersWrite);
        drills.MapPost("/zone-outage", StartAsync).WithName("StartZoneOutageDrill")
            .WithSummary("Simulated clusters: take one Availability Zone down, to see what survives the loss of a zone")
            .WithDescription("Enqueues an operation: the zone's datacenter becomes unreachable, the client group relaunches that zone's clients "
                + "in the surviving zone, and Consul is checked. The cluster is degraded until the zone is restored. Clusters on a real engine answer 409.")
            .Idempotent()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        drills.MapDelete("/zone-outage", RestoreAsync).WithName("RestoreZoneOutageDrill")
            .WithSummary("End a zone-outage drill: the zone comes back, the clients rebalance, and Consul is verified")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    private static async Task<Results<Accepted<ClusterOperationView>, ValidationProblem, ProblemHttpResult>> StartAsync(
        string name, ZoneOutageRequest request, Caller caller, ZoneOutageDrills drills, CancellationToken cancellationToken) =>
        ClusterEndpoints.Enqueued(await drills.StartAsync(caller, name, request, cancellationToken));

    private static async Task<Results<Accepted<ClusterOperationView>, ValidationProblem, ProblemHttpResult>> RestoreAsync(
        string name, Caller caller, ZoneOutageDrills drills, CancellationToken cancellationToken) =>
        ClusterEndpoints.Enqueued(await drills.RestoreAsync(caller, name, cancellationToken));
}
