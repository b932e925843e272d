using Portal.Deployments;

namespace Portal.Components.Shared;

public enum ResourceState { Pending, InProgress, Done, Failed }

/// <summary>One resource of the plan and what the current operation has done to it so far.</summary>
public sealed record ResourceRow(string Name, string Type, ResourceState State, string? Op, string? Message)
{
    /// <summary>Folds an operation's events, in sequence order, onto the plan's resources.</summary>
    public static IReadOnlyList<ResourceRow> Fold(IEnumerable<(string Name, string Type)> plan, IEnumerable<EventView> events)
    {
        var rows = plan.ToDictionary(r => r.Name, r => new ResourceRow(r.Name, r.Type, ResourceState.Pending, null, null));
        foreach (var e in events)
        {
            if (e.Resource is not { } resource || !rows.ContainsKey(resource.Name)) continue;
            var state = e.Type switch
            {
                EventTypes.ResourceStarted => ResourceState.InProgress,
                EventTypes.ResourceSucceeded => ResourceState.Done,
                EventTypes.ResourceFailed => ResourceState.Failed,
                _ => (ResourceState?)null,
            };
            if (state is null) continue;
            rows[resource.Name] = new ResourceRow(resource.Name, resource.Type, state.Value, resource.Op, e.Message);
        }
        return rows.Values.ToList();
    }

    /// <summary>What a person reads in the status column: "creating", "created", "deleted", "unchanged", …</summary>
    public string Label => (State, Op) switch
    {
        (ResourceState.Pending, _) => "pending",
        (ResourceState.Failed, _) => "failed",
        (ResourceState.InProgress, "delete") => "deleting",
        (ResourceState.InProgress, "refresh") => "reading",
        (ResourceState.InProgress, "update" or "replace") => "updating",
        (ResourceState.InProgress, _) => "creating",
        (ResourceState.Done, "delete") => "deleted",
        (ResourceState.Done, "same") => "unchanged",
        (ResourceState.Done, "refresh") => "in sync",
        (ResourceState.Done, "update" or "replace") => "updated",
        (ResourceState.Done, _) => "created",
        _ => "pending",
    };
}
