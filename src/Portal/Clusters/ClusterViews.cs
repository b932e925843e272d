using System.Text.Json.Nodes;
using Portal.Data;
using Portal.Deployments;
using Provisioning.Clusters;

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
    Monitoring.ClusterHealthSummary? Health = null,
    string? ZoneOutage = null)
{
    public static ClusterView From(Cluster c) => new(
        c.Name, c.Team, c.Status, c.Engine,
        c.Spec,
        c.OutputsJson is null ? null : JsonNode.Parse(c.OutputsJson),
        c.CreatedAt, c.UpdatedAt,
        new Monitoring.ClusterHealthSummary(c.Health, c.HealthCheckedAt,
            c.FailingChecks ?? []),
        c.ZoneOutage);
}

/// <summary>The answer to a request that enqueued work on a cluster.</summary>
public sealed record ClusterOperationView(ClusterView Cluster, OperationView Operation);
