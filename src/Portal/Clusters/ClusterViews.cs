using System.Text.Json.Nodes;
using Portal.Data;
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

public sealed record ProgressView(int Total, int Done, int Failed);

/// <summary>An operation as the API returns it.</summary>
public sealed record OperationView(
    Guid Id,
    string Cluster,
    OperationKind Kind,
    OperationState State,
    ProgressView Progress,
    string? Error,
    IReadOnlyList<string> FailedResources,
    int Attempt,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    JsonNode? Result = null,
    Guid? RetryOf = null)
{
    public static OperationView From(Operation o, string clusterName) => new(
        o.Id, clusterName, o.Kind, o.State,
        new ProgressView(o.ProgressTotal, o.ProgressDone, o.ProgressFailed),
        o.Error,
        o.FailedResources ?? [],
        o.Attempt, o.CreatedAt, o.StartedAt, o.FinishedAt,
        o.ResultJson is null ? null : JsonNode.Parse(o.ResultJson),
        o.RetryOfId);
}

/// <summary>The answer to a request that enqueued work on a cluster.</summary>
public sealed record ClusterOperationView(ClusterView Cluster, OperationView Operation);
