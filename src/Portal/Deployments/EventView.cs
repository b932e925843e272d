using Portal.Data;
using Provisioning.Engines;

namespace Portal.Deployments;

/// <summary>A stored deployment event as pages and API clients see it.</summary>
public sealed record EventView(
    int Sequence,
    DateTimeOffset Timestamp,
    string Type,
    EventResourceView? Resource,
    string Message,
    string Severity)
{
    public static EventView From(DeploymentEvent e) => new(
        e.Sequence, e.Timestamp, e.Type,
        e.ResourceName is null ? null : new EventResourceView(e.ResourceName, e.ResourceType ?? "", e.ResourceOp ?? ""),
        e.Message, e.Severity);
}

public sealed record EventResourceView(string Name, string Type, string Op);

/// <summary>The wire names of event types and severities.</summary>
public static class EventTypes
{
    public const string ResourceStarted = "resource-started", ResourceSucceeded = "resource-succeeded",
        ResourceFailed = "resource-failed", Diagnostic = "diagnostic", Summary = "summary", Recovered = "recovered";

    public static string Of(EngineEventType type) => type switch
    {
        EngineEventType.ResourceStarted => ResourceStarted,
        EngineEventType.ResourceSucceeded => ResourceSucceeded,
        EngineEventType.ResourceFailed => ResourceFailed,
        EngineEventType.Summary => Summary,
        EngineEventType.Recovered => Recovered,
        _ => Diagnostic,
    };

    public static string Of(EventSeverity severity) => severity.ToString().ToLowerInvariant();
}
