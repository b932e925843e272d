using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Provisioning.Topology;

namespace Provisioning.Simulation;

/// <summary>
/// How the simulation knows what a changed plan changes, as Pulumi's diff does: each simulated resource records
/// a fingerprint of every input it was created or last updated with, and a planned resource whose inputs differ
/// from those is an update of exactly the properties that differ.
/// </summary>
internal static class SimulatedDiff
{
    /// <summary>On a resource's outputs: property → a hash of its input. A hash, not the value: launch templates carry whole boot scripts.</summary>
    public const string InputsKey = "simulatedInputs";

    public static JsonObject Fingerprint(PlannedResource resource) =>
        new(resource.Properties.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, (JsonNode?)Hash(p.Value))));

    /// <summary>The names of the properties whose inputs changed since the resource was stored, in order; empty when none did.</summary>
    public static IReadOnlyList<string> ChangedProperties(PlannedResource resource, SimulatedResource stored)
    {
        if (stored.Outputs[InputsKey] is not JsonObject recorded) return LegacyChanges(resource, stored);
        var planned = Fingerprint(resource);
        return planned.Select(p => p.Key).Union(recorded.Select(r => r.Key))
            .Where(key => planned[key]?.GetValue<string>() != recorded[key]?.GetValue<string>())
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// A resource stored before fingerprints were recorded: only what its outputs show can be compared,
    /// which for a group is how many instances it runs.
    /// </summary>
    private static IReadOnlyList<string> LegacyChanges(PlannedResource resource, SimulatedResource stored) =>
        resource.TypeName == "Group" && resource.Properties.GetValueOrDefault("desiredCapacity") is int size
            && (stored.Outputs["instances"] as JsonArray)?.Count != size
            ? ScalingProperties
            : [];

    public static readonly IReadOnlyList<string> ScalingProperties = ["desiredCapacity", "maxSize", "minSize"];

    private static string Hash(object? value)
    {
        var canonical = new StringBuilder();
        Write(value, canonical);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))[..16];
    }

    /// <summary>A canonical text of a plan value: references by name, maps in key order.</summary>
    private static void Write(object? value, StringBuilder text)
    {
        switch (value)
        {
            case null: text.Append("null"); break;
            case string s: text.Append('"').Append(s.Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"'); break;
            case bool b: text.Append(b ? "true" : "false"); break;
            case int or long or double: text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{value}"); break;
            case ResourceOutput r: text.Append("${").Append(r.Resource).Append('.').Append(r.Property).Append('}'); break;
            case VariableRef v: text.Append("${var:").Append(v.Variable).Append(v.Path is null ? "" : "." + v.Path).Append('}'); break;
            case ConfigRef c: text.Append("${config:").Append(c.Key).Append('}'); break;
            case Interpolation i: text.Append("concat"); Write(i.Parts.Cast<object?>().ToList(), text); break;
            case ToJson j: text.Append("toJSON("); Write(j.Value, text); text.Append(')'); break;
            case ToBase64 b64: text.Append("toBase64("); Write(b64.Value, text); text.Append(')'); break;
            case SecretValue secret: text.Append("secret("); Write(secret.Value, text); text.Append(')'); break;
            case IReadOnlyDictionary<string, object?> map:
                text.Append('{');
                foreach (var (key, item) in map.OrderBy(kv => kv.Key, StringComparer.Ordinal)) { text.Append(key).Append(':'); Write(item, text); text.Append(','); }
                text.Append('}');
                break;
            case System.Collections.IEnumerable list:
                text.Append('[');
                foreach (var item in list) { Write(item, text); text.Append(','); }
                text.Append(']');
                break;
            default: text.Append(value.GetType().Name).Append(':').Append(value); break;
        }
    }
}
