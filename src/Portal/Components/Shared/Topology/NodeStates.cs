namespace Portal.Components.Shared.Topology;

/// <summary>
/// What a drawn node can be (its <c>data-state</c>): while a deployment runs, the state of its resource;
/// once the cluster is deployed, what Consul's last health check said of it.
/// </summary>
public static class NodeStates
{
    public const string
        Pending = "pending", Creating = "creating", Created = "created", Failed = "failed",
        Cancelled = "cancelled", Updating = "updating", Reading = "reading", Deleting = "deleting", Deleted = "deleted",
        Healthy = "healthy", Unhealthy = "unhealthy", Unreachable = "unreachable", Unknown = "unknown";

    public static string Of(ResourceRow? row) => row switch
    {
        null or { State: ResourceState.Pending } => Pending,
        { State: ResourceState.Failed } => Failed,
        { State: ResourceState.Cancelled } => Cancelled,
        { State: ResourceState.InProgress, Op: "delete" } => Deleting,
        { State: ResourceState.InProgress, Op: "update" or "replace" } => Updating,
        { State: ResourceState.InProgress, Op: "refresh" } => Reading,
        { State: ResourceState.InProgress } => Creating,
        { State: ResourceState.Done, Op: "delete" } => Deleted,
        _ => Created,
    };

    /// <summary>A shape beside the word, so no state is told by colour alone.</summary>
    public static string Glyph(string state) => state switch
    {
        Healthy or Created => "✓",
        Failed => "✕",
        Unhealthy => "!",
        Unreachable => "⊘",
        Creating or Updating or Reading or Deleting => "…",
        Deleted => "–",
        Unknown => "?",
        _ => "○",
    };

    /// <summary>The MudBlazor palette colour that tints a node in this state (both themes define it).</summary>
    public static string? Palette(string state) => state switch
    {
        Healthy or Created => "success",
        Failed or Unhealthy => "error",
        Unreachable => "warning",
        Creating or Updating or Reading or Deleting => "info",
        _ => null,
    };

    /// <summary>Outlines differ too: dashed while work is under way, dotted for what is not there (yet).</summary>
    public static string? Dashes(string state) => state switch
    {
        Creating or Updating or Reading or Deleting => "6 3",
        Pending or Deleted or Unknown or Unreachable => "2 3",
        _ => null,
    };
}
