using System.Text.Json.Nodes;

namespace FakePulumi;

/// <summary>
/// Writes <c>--event-log</c> as the CLI does: the file is truncated, then one envelope
/// (sequence, timestamp, exactly one event key) and '\n' per event, flushed as it happens.
/// </summary>
internal sealed class EventLog(string? path, string project, string stack) : IDisposable
{
    private readonly StreamWriter? _writer = path is null ? null
        : new StreamWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete)) { AutoFlush = true };
    private int _sequence;

    public string StackUrn => Urn("pulumi:pulumi:Stack", $"{project}-{stack}");
    public string ProviderUrn => Urn("pulumi:providers:aws", "default_7_0_0") + "::04da6b54-80e4-46f7-96ec-b56ff0331ba9";

    public string Urn(string type, string name) => $"urn:pulumi:{stack}::{project}::{type}::{name}";

    public void Write(string key, JsonObject body)
    {
        if (_writer is null) return;
        var envelope = new JsonObject
        {
            ["sequence"] = _sequence++,
            ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            [key] = body,
        };
        _writer.Write(envelope.ToJsonString() + "\n");
    }

    /// <param name="diffs">The properties an update changes: sent as <c>diffs</c> and as <c>detailedDiff</c> (each an input update), as the CLI does.</param>
    public void Step(string key, string op, string type, string name, JsonObject? old, JsonObject? @new, bool planning = false, IReadOnlyList<string>? diffs = null)
    {
        var urn = type == "pulumi:pulumi:Stack" ? StackUrn : Urn(type, name);
        var provider = type.StartsWith("pulumi:", StringComparison.Ordinal) ? "" : ProviderUrn;
        JsonObject? State(JsonObject? outputs, JsonObject? inputs) => outputs is null ? null : new JsonObject
        {
            ["type"] = type, ["urn"] = urn, ["custom"] = provider.Length > 0, ["id"] = outputs["id"]?.DeepClone() ?? "",
            ["parent"] = type == "pulumi:pulumi:Stack" ? "" : StackUrn,
            ["inputs"] = inputs?.DeepClone() ?? new JsonObject(), ["outputs"] = outputs.DeepClone(), ["provider"] = provider,
        };
        var body = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["op"] = op, ["urn"] = urn, ["type"] = type,
                ["old"] = State(old, old), ["new"] = State(@new, @new),
                ["detailedDiff"] = null, ["logical"] = true, ["provider"] = provider,
            },
        };
        if (planning) body["planning"] = true;
        if (diffs is { Count: > 0 })
        {
            var metadata = body["metadata"]!.AsObject();
            metadata["diffs"] = new JsonArray(diffs.Select(d => (JsonNode?)d).ToArray());
            metadata["detailedDiff"] = new JsonObject(diffs.Select(d => KeyValuePair.Create(d, (JsonNode?)new JsonObject { ["kind"] = "update", ["inputDiff"] = true })));
        }
        Write(key, body);
    }

    public void Diagnostic(string severity, string message, string? urn = null)
    {
        var body = new JsonObject { ["prefix"] = severity == "error" ? "error: " : "", ["message"] = message + "\n", ["color"] = "raw", ["severity"] = severity };
        if (urn is not null) body["urn"] = urn;
        Write("diagnosticEvent", body);
    }

    public void Dispose() => _writer?.Dispose();
}
