using Provisioning.Engines;

namespace Provisioning.Tests.Support;

/// <summary>Keeps every event; optionally runs a reaction after each (e.g. cancel after the third).</summary>
public sealed class RecordingSink(Action<EngineEvent, RecordingSink>? react = null) : IDeploymentEventSink
{
    private readonly List<EngineEvent> _events = [];

    public IReadOnlyList<EngineEvent> Events
    {
        get { lock (_events) return _events.ToList(); }
    }

    public ValueTask EmitAsync(EngineEvent engineEvent, CancellationToken cancellationToken = default)
    {
        lock (_events) _events.Add(engineEvent);
        react?.Invoke(engineEvent, this);
        return ValueTask.CompletedTask;
    }

    public IReadOnlyList<string> Names(EngineEventType type, string? op = null) =>
        Events.Where(e => e.Type == type && e.Resource is not null && (op is null || e.Resource.Op == op)).Select(e => e.Resource!.Name).ToList();

    /// <summary>A sink that cancels <paramref name="cancellation"/> once <paramref name="count"/> resources have succeeded.</summary>
    public static RecordingSink CancellingAfter(int count, CancellationTokenSource cancellation) => new((_, sink) =>
    {
        if (sink.Names(EngineEventType.ResourceSucceeded).Count >= count) cancellation.Cancel();
    });
}
