using System.Text.Json;
using System.Text.Json.Nodes;

namespace Provisioning.Engines;

/// <summary>What a preview found: the plan's resources compared with what the cloud holds.</summary>
/// <param name="Update">Changed in place or replaced; only the Pulumi engine finds these.</param>
public sealed record PreviewResult(IReadOnlyList<string> Create, IReadOnlyList<string> Update, IReadOnlyList<string> Delete, IReadOnlyList<string> Unchanged)
{
    /// <summary><c>{ create, update, delete, unchanged }</c>: the preview operation's result, as the API shows it.</summary>
    public JsonObject ToJson() => JsonSerializer.SerializeToNode(this, JsonSerializerOptions.Web)!.AsObject();
}
