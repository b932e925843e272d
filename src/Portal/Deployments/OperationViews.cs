using System.Text.Json.Nodes;
using Portal.Data;

namespace Portal.Deployments;

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
    Guid? RetryOf = null,
    [property: System.ComponentModel.Description("For an update: the preview it applies, exactly as previewed.")] Guid? PreviewOf = null)
{
    public static OperationView From(Operation o, string clusterName) => new(
        o.Id, clusterName, o.Kind, o.State,
        new ProgressView(o.ProgressTotal, o.ProgressDone, o.ProgressFailed),
        o.Error,
        o.FailedResources ?? [],
        o.Attempt, o.CreatedAt, o.StartedAt, o.FinishedAt,
        o.ResultJson is null ? null : JsonNode.Parse(o.ResultJson),
        o.RetryOfId,
        o.PreviewOfId);
}

/// <summary>A page of operations; <see cref="Next"/> is the URL of the next page, null on the last.</summary>
public sealed record OperationListView(IReadOnlyList<OperationView> Items, string? Next = null);
