using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Provisioning.Engines;

namespace Provisioning.Pulumi;

/// <summary>
/// Turns the lines of one operation's <c>--event-log</c> into <see cref="EngineEvent"/>s and
/// remembers what the classification needs: failed resources with their error text, error
/// diagnostics, the summary's result and the resources still in flight. The CLI's sequence
/// numbers are ignored (streams may have gaps; the portal numbers its own events).
/// </summary>
internal sealed partial class PulumiEventMapper
{
    private readonly Dictionary<string, (string Name, string Type, string Op)> _inFlight = [];
    private readonly Dictionary<string, string> _errorsByUrn = [];
    private readonly Dictionary<string, string> _failures = [];
    private readonly List<string> _errors = [];

    /// <summary>Logical name → the error the provider reported (the AWS error text).</summary>
    public IReadOnlyDictionary<string, string> Failures => _failures;

    /// <summary>Error diagnostics that are not about one resource, e.g. "update failed".</summary>
    public IReadOnlyList<string> Errors => _errors;

    /// <summary>Resources that started and neither succeeded nor failed.</summary>
    public IReadOnlyList<string> InFlight => _inFlight.Values.Select(r => r.Name).ToList();

    /// <summary><c>succeeded</c>, <c>failed</c>, <c>canceled</c>, or null (older CLIs, or no summary).</summary>
    public string? SummaryResult { get; private set; }

    public bool SawSummary { get; private set; }

    /// <summary>The engine's last record: the CLI finished its work normally.</summary>
    public bool SawEnd { get; private set; }

    public int Lines { get; private set; }

    public IReadOnlyList<EngineEvent> Map(string line)
    {
        Lines++;
        JsonObject? envelope;
        try
        {
            envelope = JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException)
        {
            return [EngineEvent.Diagnostic("Pulumi wrote an event that could not be read; it was skipped.", EventSeverity.Warning)];
        }
        if (envelope is null) return [];

        foreach (var (key, body) in envelope)
        {
            if (body is not JsonObject e) continue;
            switch (key)
            {
                case "resourcePreEvent": return Pre(e);
                case "resOutputsEvent": return Outputs(e);
                case "resOpFailedEvent": return OpFailed(e);
                case "diagnosticEvent": return Diagnostic(e);
                case "summaryEvent": return Summary(e);
                case "errorEvent":
                    var error = Clean(Text(e, "error"));
                    _errors.Add(error);
                    return [EngineEvent.Diagnostic(error, EventSeverity.Error)];
                case "policyEvent":
                    return [EngineEvent.Diagnostic(Clean(Text(e, "message")), EventSeverity.Warning)];
                case "cancelEvent":
                    SawEnd = true;
                    return [];
                // prelude, stdout (the CLI's own display), progress and keys newer CLIs add: nothing to report.
            }
        }
        return [];
    }

    /// <summary>What is left once the stream has ended: resources cut off in flight.</summary>
    public IReadOnlyList<EngineEvent> Finish() => _inFlight.Count == 0
        ? []
        : [EngineEvent.Diagnostic($"{_inFlight.Count} resource(s) did not complete: {string.Join(", ", InFlight)}.", EventSeverity.Warning)];

    private IReadOnlyList<EngineEvent> Pre(JsonObject e)
    {
        if (Step(e) is not { } step) return [];
        if (e["planning"]?.GetValue<bool>() == true)
            // The resource rides along so that a preview's findings can be collected per resource and op.
        {
            var changed = ChangedProperties(e["metadata"]!.AsObject());
            var which = changed.Count > 0 ? $": {string.Join(", ", changed)}" : "";
            return [new EngineEvent(EngineEventType.Diagnostic, $"Would {Verb(step.Op)} {step.Name} ({step.Type}){which}", Resource: new(step.Name, step.Type, step.Op, changed))];
        }
        _inFlight[step.Urn] = (step.Name, step.Type, step.Op);
        return [EngineEvent.Started(step.Name, step.Type, step.Op, $"{Capitalised(Gerund(step.Op))} {step.Name} ({TypeName(step.Type)})")];
    }

    /// <summary>
    /// The top-level inputs a planned step changes: the keys of <c>detailedDiff</c> (property paths such as <c>tags[0].value</c>),
    /// else <c>diffs</c>, which older CLIs and providers without detailed diffs send.
    /// </summary>
    internal static IReadOnlyList<string> ChangedProperties(JsonObject metadata)
    {
        IEnumerable<string> paths = metadata["detailedDiff"] is JsonObject { Count: > 0 } detailed
            ? detailed.Select(kv => kv.Key)
            : (metadata["diffs"] as JsonArray ?? []).Select(d => d is JsonValue v && v.TryGetValue(out string? s) ? s : "");
        return paths.Select(p => p.Split('.', '[')[0]).Where(p => p.Length > 0).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    private IReadOnlyList<EngineEvent> Outputs(JsonObject e)
    {
        if (Step(e) is not { } step || e["planning"]?.GetValue<bool>() == true) return [];
        _inFlight.Remove(step.Urn);
        var id = (e["metadata"]?["new"] ?? e["metadata"]?["old"])?["id"] is JsonValue v && v.TryGetValue(out string? s) && s.Length > 0 ? $": {s}" : "";
        return [EngineEvent.Succeeded(step.Name, step.Type, step.Op, $"{Capitalised(Past(step.Op))} {step.Name}{id}")];
    }

    private IReadOnlyList<EngineEvent> OpFailed(JsonObject e)
    {
        if (Step(e) is not { } step) return [];
        _inFlight.Remove(step.Urn);
        if (_failures.ContainsKey(step.Name)) return [];
        var error = _errorsByUrn.GetValueOrDefault(step.Urn)
            ?? $"The {step.Op} of {step.Name} failed; Pulumi gave no error text (status {e["status"]}).";
        _failures[step.Name] = error;
        return [EngineEvent.Failed(step.Name, step.Type, step.Op, error)];
    }

    private IReadOnlyList<EngineEvent> Diagnostic(JsonObject e)
    {
        var severity = Text(e, "severity");
        if (severity == "debug" || e["ephemeral"]?.GetValue<bool>() == true) return [];
        var message = Clean(Text(e, "message"));
        if (message.Length == 0) return [];
        var urn = Text(e, "urn");

        if (severity == "error")
        {
            if (urn.Length > 0 && !IsBookkeeping(TypeOfUrn(urn)))
            {
                // The resource's own error (the AWS text) comes first; resOpFailedEvent follows.
                _errorsByUrn[urn] = message;
                var name = NameOf(urn);
                var (_, type, op) = _inFlight.GetValueOrDefault(urn, (name, TypeOfUrn(urn), "create"));
                _inFlight.Remove(urn);
                if (!_failures.TryAdd(name, message)) return [];
                return [EngineEvent.Failed(name, type, op, message)];
            }
            _errors.Add(message);
            return [EngineEvent.Diagnostic(message, EventSeverity.Error)];
        }
        var mapped = severity == "warning" ? EventSeverity.Warning : EventSeverity.Info;
        var prefix = urn.Length > 0 && !IsBookkeeping(TypeOfUrn(urn)) ? $"{NameOf(urn)}: " : "";
        return [EngineEvent.Diagnostic(prefix + message, mapped)];
    }

    private IReadOnlyList<EngineEvent> Summary(JsonObject e)
    {
        SawSummary = true;
        SummaryResult = Text(e, "result") is { Length: > 0 } result ? result : null;
        var changes = e["resourceChanges"] as JsonObject ?? [];
        var counts = string.Join(", ", changes.Select(kv => $"{kv.Value} {kv.Key}"));
        var preview = e["isPreview"]?.GetValue<bool>() == true;
        var seconds = e["durationSeconds"]?.GetValue<double>() ?? 0;
        var failed = SummaryResult == "failed" || _failures.Count > 0;
        var outcome = SummaryResult ?? (failed ? "failed" : "finished");
        var message = $"{(preview ? "Preview" : "Pulumi")} {outcome} after {seconds:0}s" + (counts.Length > 0 ? $": {counts}." : ".");
        if (e["maybeCorrupt"]?.GetValue<bool>() == true) message += " The state may be incomplete; a refresh is advised.";
        return [new EngineEvent(EngineEventType.Summary, message, failed ? EventSeverity.Error : EventSeverity.Info)];
    }

    private (string Urn, string Name, string Type, string Op)? Step(JsonObject e)
    {
        if (e["metadata"] is not JsonObject metadata) return null;
        var urn = Text(metadata, "urn");
        var type = Text(metadata, "type") is { Length: > 0 } t ? t : TypeOfUrn(urn);
        // The provider and the stack are Pulumi's bookkeeping, not infrastructure.
        if (urn.Length == 0 || IsBookkeeping(type)) return null;
        return (urn, NameOf(urn), type, Text(metadata, "op") is { Length: > 0 } op ? op : "same");
    }

    private static bool IsBookkeeping(string type) =>
        type == "pulumi:pulumi:Stack" || type.StartsWith("pulumi:providers:", StringComparison.Ordinal);

    internal static string NameOf(string urn) => urn[(urn.LastIndexOf("::", StringComparison.Ordinal) + 2)..];

    private static string TypeOfUrn(string urn)
    {
        // urn:pulumi:<stack>::<project>::<parent$type>::<name>
        var parts = urn.Split("::");
        return parts.Length >= 4 ? parts[^2].Split('$')[^1] : "";
    }

    private static string TypeName(string type) => type[(type.LastIndexOf(':') + 1)..];

    private static string Text(JsonObject o, string key) =>
        o[key] is JsonValue v && v.TryGetValue(out string? s) ? s : "";

    /// <summary>Drops the CLI's colour tags and the "error: " it puts before a message.</summary>
    private static string Clean(string message)
    {
        var text = ColorTag().Replace(message, "").Trim();
        if (text.StartsWith("error: ", StringComparison.Ordinal)) text = text["error: ".Length..].Trim();
        // Providers wrap AWS errors as "1 error occurred:\n\t* <error>"; the error is what users need.
        return ErrorList().Replace(text, "").Replace("\n\t* ", "\n").Trim();
    }

    private static string Capitalised(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    private static string Verb(string op) => op switch { "same" => "keep", "refresh" => "read", _ => op.Replace('-', ' ') };

    private static string Gerund(string op) => op switch
    {
        "same" => "keeping", "create" => "creating", "update" => "updating", "delete" => "deleting", "replace" => "replacing",
        "refresh" => "reading", "read" => "reading", "import" => "importing", _ => op.Replace('-', ' '),
    };

    private static string Past(string op) => op switch
    {
        "same" => "unchanged", "create" => "created", "update" => "updated", "delete" => "deleted", "replace" => "replaced",
        "refresh" => "read", "read" => "read", "import" => "imported", _ => op.Replace('-', ' ') + " finished for",
    };

    [GeneratedRegex(@"^\d+ errors? occurred:\s*\*?\s*")]
    private static partial Regex ErrorList();

    [GeneratedRegex(@"<\{%[^%]*%\}>")]
    private static partial Regex ColorTag();
}
