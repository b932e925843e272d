using System.ComponentModel;
using System.Text.Json.Nodes;
using Portal.Data;
using Portal.Deployments;
using Portal.Monitoring;
using Provisioning.Clusters;
using Provisioning.Health;

namespace Portal.Clusters;

/// <summary>A cluster as the API returns it.</summary>
public sealed record ClusterView(
    string Name,
    string Team,
    ClusterStatus Status,
    string Engine,
    ClusterSpec Spec,
    JsonNode? Outputs,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    ClusterHealthSummary? Health = null,
    string? ZoneOutage = null,
    [property: Description("When the portal destroys the cluster by itself (its time to live); null when it is kept until destroyed.")] DateTimeOffset? ExpiresAt = null)
{
    public static ClusterView From(Cluster c) => new(
        c.Name, c.Team, c.Status, c.Engine,
        c.Spec,
        c.OutputsJson is null ? null : JsonNode.Parse(c.OutputsJson),
        c.CreatedAt, c.UpdatedAt,
        new ClusterHealthSummary(c.Health, c.HealthCheckedAt,
            c.FailingChecks ?? []),
        c.ZoneOutage,
        c.ExpiresAt);
}

/// <summary>
/// A cluster as lists show it: every field but its outputs, which name every instance and are most of a cluster's
/// bytes (a page of 50 full clusters was ~160 KB). The detail endpoint keeps the full <see cref="ClusterView"/>.
/// </summary>
[Description("A cluster as lists return it: status, the essentials of its spec, instance counts and health, and no outputs. "
    + "GET /api/v1/clusters/{name} returns the whole cluster, its outputs (every instance) included.")]
public sealed record ClusterSummaryView(
    [property: Description("The cluster's name: unique among clusters that are not destroyed.")] string Name,
    [property: Description("The team that owns the cluster.")] string Team,
    ClusterStatus Status,
    [property: Description("The engine that deploys it: `simulated` or `pulumi`.")] string Engine,
    ClusterSpecSummary Spec,
    ClusterInstanceCounts Instances,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    ClusterHealthSummary Health,
    [property: Description("The Availability Zone a zone-outage drill has taken down; null when none is.")] string? ZoneOutage,
    [property: Description("When the portal destroys the cluster by itself (its time to live); null when it is kept until destroyed.")] DateTimeOffset? ExpiresAt = null,
    [property: Description("The kind of the operation queued or running on the cluster; null when none is.")] OperationKind? ActiveOperation = null)
{
    /// <summary>From the columns a list reads (never the outputs nor the secrets); <see cref="ClusterReads.ListAsync"/> projects them.</summary>
    public static ClusterSummaryView From(string name, string team, ClusterStatus status, string engine, ClusterSpec spec,
        DateTimeOffset createdAt, DateTimeOffset updatedAt, HealthStatus health, DateTimeOffset? healthCheckedAt,
        IReadOnlyList<string>? failingChecks, string? zoneOutage, DateTimeOffset? expiresAt, OperationKind? activeOperation) => new(
        name, team, status, engine,
        new ClusterSpecSummary(spec.Region, spec.AvailabilityZones, spec.VpcCidr, spec.ServersPerAz, spec.ClientCount, spec.ConsulVersion),
        ClusterInstanceCounts.Of(spec),
        createdAt, updatedAt,
        new ClusterHealthSummary(health, healthCheckedAt, failingChecks ?? []),
        zoneOutage, expiresAt, activeOperation);
}

/// <summary>What a list needs of a spec: where the cluster runs, how big it is and which Consul it runs.</summary>
[Description("The essentials of a cluster's spec, named as in the full spec: where it runs, how big it is, which Consul it runs.")]
public sealed record ClusterSpecSummary(
    [property: Description("The AWS region.")] string Region,
    [property: Description("The two Availability Zones, one Consul datacenter each.")] IReadOnlyList<string> AvailabilityZones,
    [property: Description("The VPC's IPv4 range.")] string VpcCidr,
    [property: Description("Consul servers in each Availability Zone.")] int ServersPerAz,
    [property: Description("Consul clients, spread over both zones.")] int ClientCount,
    [property: Description("The Consul version the agents run.")] string ConsulVersion);

/// <summary>The instances the spec asks for, so that a list can show a cluster's size without its outputs.</summary>
[Description("The EC2 instances the cluster's spec asks for.")]
public sealed record ClusterInstanceCounts(
    [property: Description("Consul servers, in both zones together.")] int Servers,
    [property: Description("Consul clients.")] int Clients,
    [property: Description("Servers and clients.")] int Total)
{
    public static ClusterInstanceCounts Of(ClusterSpec spec)
    {
        var servers = spec.ServersPerAz * spec.AvailabilityZones.Count;
        return new(servers, spec.ClientCount, servers + spec.ClientCount);
    }
}

/// <summary>The answer to a request that enqueued work on a cluster.</summary>
public sealed record ClusterOperationView(ClusterView Cluster, OperationView Operation);
