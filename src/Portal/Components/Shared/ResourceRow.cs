using Portal.Deployments;

namespace Portal.Components.Shared;

/// <remarks><see cref="Cancelled"/>: under way when its operation ended without finishing it (cancelled, or stopped by shutdown).</remarks>
public enum ResourceState { Pending, InProgress, Done, Failed, Cancelled }

/// <summary>One resource of the plan and what the current operation has done to it so far.</summary>
/// <param name="StartedAt">When the operation last started working on it; a retry starts the clock again.</param>
/// <param name="FinishedAt">When that work succeeded or failed.</param>
public sealed record ResourceRow(
    string Name, string Type, ResourceState State, string? Op, string? Message,
    DateTimeOffset? StartedAt = null, DateTimeOffset? FinishedAt = null)
{
    /// <summary>Folds an operation's events, in sequence order, onto the plan's resources.</summary>
    /// <param name="ended">The operation is over: what it left under way was cancelled, not still running.</param>
    public static IReadOnlyList<ResourceRow> Fold(IEnumerable<(string Name, string Type)> plan, IEnumerable<EventView> events, bool ended = false)
    {
        var rows = plan.ToDictionary(r => r.Name, r => new ResourceRow(r.Name, r.Type, ResourceState.Pending, null, null));
        foreach (var e in events)
        {
            if (e.Resource is not { } resource || !rows.TryGetValue(resource.Name, out var row)) continue;
            var state = e.Type switch
            {
                EventTypes.ResourceStarted => ResourceState.InProgress,
                EventTypes.ResourceSucceeded => ResourceState.Done,
                EventTypes.ResourceFailed => ResourceState.Failed,
                _ => (ResourceState?)null,
            };
            if (state is null) continue;
            var started = state == ResourceState.InProgress ? e.Timestamp : row.StartedAt;
            var finished = state == ResourceState.InProgress ? (DateTimeOffset?)null : e.Timestamp;
            rows[resource.Name] = new ResourceRow(resource.Name, resource.Type, state.Value, resource.Op, e.Message, started, finished);
        }
        return [.. rows.Values.Select(r => ended && r.State == ResourceState.InProgress ? r with { State = ResourceState.Cancelled } : r)];
    }

    /// <summary>What went other than planned, as headers and summaries say it: ", 3 failed, 2 cancelled", or nothing.</summary>
    public static string Setbacks(IReadOnlyCollection<ResourceRow> rows)
    {
        var failed = rows.Count(r => r.State == ResourceState.Failed);
        var cancelled = rows.Count(r => r.State == ResourceState.Cancelled);
        return (failed > 0 ? $", {failed} failed" : "") + (cancelled > 0 ? $", {cancelled} cancelled" : "");
    }

    /// <summary>How long the resource took, once it is done or failed; null before (or when its start was never seen).</summary>
    public TimeSpan? Duration => StartedAt is { } start && FinishedAt is { } end ? end - start : null;

    /// <summary>What a person reads in the status column: "creating", "created", "deleted", "unchanged", …</summary>
    public string Label => (State, Op) switch
    {
        (ResourceState.Pending, _) => "pending",
        (ResourceState.Failed, _) => "failed",
        (ResourceState.Cancelled, _) => "cancelled",
        (ResourceState.InProgress, "delete") => "deleting",
        (ResourceState.InProgress, "refresh") => "reading",
        (ResourceState.InProgress, "update" or "replace") => "updating",
        // The zone-outage drill's steps on the groups it changes.
        (ResourceState.InProgress, "outage") => "going down",
        (ResourceState.InProgress, "restore") => "restoring",
        (ResourceState.InProgress, "rebalance") => "rebalancing",
        (ResourceState.InProgress, _) => "creating",
        (ResourceState.Done, "delete") => "deleted",
        (ResourceState.Done, "same") => "unchanged",
        (ResourceState.Done, "refresh") => "in sync",
        (ResourceState.Done, "update" or "replace") => "updated",
        (ResourceState.Done, "outage") => "down",
        (ResourceState.Done, "restore") => "restored",
        (ResourceState.Done, "rebalance") => "rebalanced",
        (ResourceState.Done, _) => "created",
        _ => "pending",
    };
}
