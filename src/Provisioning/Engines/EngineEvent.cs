namespace Provisioning.Engines;

public enum EngineEventType { ResourceStarted, ResourceSucceeded, ResourceFailed, Diagnostic, Summary, Recovered }

public enum EventSeverity { Info, Warning, Error }

/// <summary>A resource an event is about.</summary>
/// <param name="Op">The step: create, update, delete, replace, refresh, same, …</param>
/// <param name="Properties">For a planned step, the inputs it changes where the engine says; null otherwise. Not stored with the event.</param>
public sealed record EventResource(string Name, string Type, string Op, IReadOnlyList<string>? Properties = null);

/// <summary>Something an engine reports while it works. The portal numbers and stores them.</summary>
public sealed record EngineEvent(EngineEventType Type, string Message, EventSeverity Severity = EventSeverity.Info, EventResource? Resource = null)
{
    public static EngineEvent Started(string name, string type, string op, string message) =>
        new(EngineEventType.ResourceStarted, message, EventSeverity.Info, new(name, type, op));

    public static EngineEvent Succeeded(string name, string type, string op, string message) =>
        new(EngineEventType.ResourceSucceeded, message, EventSeverity.Info, new(name, type, op));

    public static EngineEvent Failed(string name, string type, string op, string message) =>
        new(EngineEventType.ResourceFailed, message, EventSeverity.Error, new(name, type, op));

    public static EngineEvent Diagnostic(string message, EventSeverity severity = EventSeverity.Info) =>
        new(EngineEventType.Diagnostic, message, severity);
}

/// <summary>Receives an engine's events in the order they happen.</summary>
public interface IDeploymentEventSink
{
    ValueTask EmitAsync(EngineEvent engineEvent, CancellationToken cancellationToken = default);
}
