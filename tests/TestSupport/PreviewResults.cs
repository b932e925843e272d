using System.Text.Json.Nodes;

namespace TestSupport;

/// <summary>Reads a preview's result (<c>{changes: [{name, type, op, properties, detail}], counts}</c>) as tests need it.</summary>
public static class PreviewResults
{
    /// <summary>The names of the resources the preview reports with this op, in its order.</summary>
    public static List<string> Named(JsonNode? result, string op) =>
        result!["changes"]!.AsArray().Where(c => (string)c!["op"]! == op).Select(c => (string)c!["name"]!).ToList();

    /// <summary>The change reported for one resource.</summary>
    public static JsonNode Change(JsonNode result, string name) =>
        result["changes"]!.AsArray().Single(c => (string)c!["name"]! == name)!;
}
