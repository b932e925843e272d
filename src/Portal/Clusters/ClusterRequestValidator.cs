using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Deployments;
using Portal.Engines;
using Portal.Identity;
using Provisioning.Clusters;
using Provisioning.Topology;

namespace Portal.Clusters;

/// <summary>
/// The one validator of a create request, used by the form and the API alike: the topology's
/// rules (see <see cref="ClusterSpecValidator"/>) plus what only the portal knows — other
/// clusters, teams and the configured engine.
/// </summary>
public sealed class ClusterRequestValidator(
    IDbContextFactory<PortalDbContext> dbFactory, IOptions<ProvisioningOptions> options, DeploymentEngines engines)
{
    public async Task<ClusterSpecValidation> ValidateAsync(Caller caller, CreateClusterRequest request, CancellationToken cancellationToken)
    {
        var existing = await ExistingClustersAsync(caller, cancellationToken);
        var result = ClusterSpecValidator.Validate(request, options.Value.Catalog, existing);
        var errors = result.Errors.ToDictionary(kv => kv.Key, kv => kv.Value.ToList());
        var portalErrors = false;
        void Error(string field, string message)
        {
            portalErrors = true;
            if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
            list.Add(message);
        }

        var team = TeamRules.TeamOf(request.Team, caller);
        if (team is null)
            Error("team", caller.Teams.Count == 0 && !caller.IsAdmin
                ? "You are not a member of any team yet; ask a portal admin to add you to one."
                : "Choose the team that will own the cluster.");
        else if (!TeamRules.Slug().IsMatch(team))
            Error("team", "A team is a DNS-style slug: 3 to 64 lower-case letters, digits and hyphens.");
        else if (!caller.CanSee(team))
            Error("team", $"You are not a member of team '{team}'.");
        else if (!await TeamExistsAsync(team, cancellationToken))
            Error("team", $"There is no team '{team}'.");

        if (request.Simulation is { } simulation)
        {
            if (!engines.IsSimulated)
                Error("simulation", $"Fault injection exists only in the simulated engine; this portal deploys with {engines.Current.Name}.");
            else if (simulation.FailResource is { Length: > 0 } failResource && result.Spec is { } spec
                     && TopologyPlanBuilder.Build(spec).Resources.All(r => r.Name != failResource))
                Error("simulation.failResource", $"'{failResource}' is not a resource of this cluster's plan.");
            if (simulation.FailReplacement is < 1)
                Error("simulation.failReplacement", $"'failReplacement' counts the rollout's replacements from 1; {simulation.FailReplacement} is none of them.");
        }

        return !portalErrors
            ? result
            : new ClusterSpecValidation(null, errors.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()), result.Conflicts);
    }

    private async Task<bool> TeamExistsAsync(string team, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Teams.AnyAsync(t => t.Name == team, cancellationToken);
    }

    /// <summary>
    /// Validates a change of a running cluster by the same rules as a create: the current spec with
    /// the changed fields. Name and address range stay, so other clusters cannot conflict.
    /// </summary>
    public ClusterSpecValidation ValidateChange(ClusterSpec current, UpdateClusterRequest change)
    {
        // In a create an empty version means "the default"; here it would silently move a running cluster to it.
        if (change.ConsulVersion is { } version && string.IsNullOrWhiteSpace(version))
            return new ClusterSpecValidation(null, new Dictionary<string, string[]>
            {
                ["consulVersion"] = [$"An empty Consul version is not a version: choose one of {string.Join(", ", options.Value.Catalog.ConsulVersions)}, or omit it to keep {current.ConsulVersion}."],
            }, new Dictionary<string, string[]>());
        var input = new ClusterSpecInput
        {
            Name = current.Name,
            Region = current.Region,
            AvailabilityZones = [.. current.AvailabilityZones],
            VpcCidr = current.VpcCidr,
            ServerInstanceType = current.ServerInstanceType,
            ClientInstanceType = current.ClientInstanceType,
            ServersPerAz = current.ServersPerAz,
            ClientCount = change.ClientCount ?? current.ClientCount,
            ConsulVersion = change.ConsulVersion ?? current.ConsulVersion,
            AdminCidr = current.AdminCidr,
            LogRetentionDays = current.LogRetentionDays,
            TimeToLiveHours = current.TimeToLiveHours,
        };
        var result = ClusterSpecValidator.Validate(input, options.Value.Catalog, []);
        // The time to live is not part of what is deployed (see ClusterCommands.SetTimeToLiveAsync), but a bad one fails the request all the same.
        return ClusterSpecValidator.TimeToLiveError(change.TimeToLiveHours) is { } ttl
            ? new ClusterSpecValidation(null, result.Errors.Append(KeyValuePair.Create("timeToLiveHours", new[] { ttl })).ToDictionary(), result.Conflicts)
            : result;
    }

    /// <summary>
    /// Clusters that hold a name and an address range; a destroyed one holds neither. Those of teams the
    /// caller is not in count just the same, but conflict messages do not say what they are called or hold.
    /// </summary>
    private async Task<IReadOnlyCollection<ExistingCluster>> ExistingClustersAsync(Caller caller, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Clusters.AsNoTracking()
            .Where(c => c.Status != ClusterStatus.Destroyed)
            .Select(c => new { c.Name, c.Team, c.VpcCidr })
            .ToListAsync(cancellationToken);
        return rows.Select(r => new ExistingCluster(r.Name, r.VpcCidr, caller.CanSee(r.Team))).ToList();
    }
}
