using System.Text.Json;
using System.Text.Json.Nodes;

namespace Provisioning.Engines;

/// <summary>
/// What a preview found: each resource of the plan, or of the stack, and what deploying would do to it.
/// Serialized as <c>{ changes: [{name, type, op, properties, detail}], counts: {create, update, delete, unchanged} }</c>:
/// the preview operation's result, as the API shows it.
/// </summary>
public sealed record PreviewResult(IReadOnlyList<PreviewChange> Changes)
{
    public PreviewCounts Counts => new(Count(PreviewChange.Create), Count(PreviewChange.Update), Count(PreviewChange.Delete), Count(PreviewChange.Unchanged));

    /// <summary>The names of the resources with this <see cref="PreviewChange.Op"/>, in order.</summary>
    public IReadOnlyList<string> Named(string op) => Changes.Where(c => c.Op == op).Select(c => c.Name).ToList();

    public JsonObject ToJson() => JsonSerializer.SerializeToNode(this, JsonSerializerOptions.Web)!.AsObject();

    private int Count(string op) => Changes.Count(c => c.Op == op);
}

/// <summary>One resource of a preview.</summary>
/// <param name="Op">create, update (in place or by replacement), delete or unchanged.</param>
/// <param name="Properties">The inputs that change, where the engine knows them; empty otherwise.</param>
/// <param name="Detail">What else a person should know, e.g. how many instances a resized group launches.</param>
public sealed record PreviewChange(string Name, string Type, string Op, IReadOnlyList<string> Properties, string? Detail = null)
{
    public const string Create = "create", Update = "update", Delete = "delete", Unchanged = "unchanged";
}

public sealed record PreviewCounts(int Create, int Update, int Delete, int Unchanged);
