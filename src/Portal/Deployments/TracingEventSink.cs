using System.Collections.Concurrent;
using System.Diagnostics;
using Provisioning.Engines;

namespace Portal.Deployments;

/// <summary>
/// Turns an engine's resource events into spans under the operation's span: a span opens at
/// "resource started" and closes at "succeeded" or "failed". The engines live in a library
/// without tracing, and every engine reports through a sink, so this works for all of them.
/// </summary>
internal sealed class TracingEventSink(IDeploymentEventSink inner, ActivityContext parent) : IDeploymentEventSink
{
    // Engines run resources in parallel and emit from several tasks at once.
    private readonly ConcurrentDictionary<string, Activity> _open = new();

    public ValueTask EmitAsync(EngineEvent engineEvent, CancellationToken cancellationToken = default)
    {
        if (engineEvent.Resource is { } resource)
        {
            switch (engineEvent.Type)
            {
                case EngineEventType.ResourceStarted:
                    if (Start(resource) is { } activity) _open[resource.Name] = activity;
                    break;
                case EngineEventType.ResourceSucceeded or EngineEventType.ResourceFailed when _open.TryRemove(resource.Name, out var open):
                    if (engineEvent.Type == EngineEventType.ResourceFailed) open.SetStatus(ActivityStatusCode.Error, engineEvent.Message);
                    open.Stop();
                    break;
            }
        }
        return inner.EmitAsync(engineEvent, cancellationToken);
    }

    /// <summary>Closes the spans of resources the run never finished (cancelled, interrupted, crashed engine).</summary>
    public void Complete()
    {
        foreach (var name in _open.Keys)
            if (_open.TryRemove(name, out var activity))
            {
                activity.SetStatus(ActivityStatusCode.Unset, "not finished by this run");
                activity.Stop();
            }
    }

    private Activity? Start(EventResource resource)
    {
        // Starting an activity sets Activity.Current for the caller's flow; the engine's tasks must not inherit it.
        var previous = Activity.Current;
        var activity = PortalTelemetry.ActivitySource.StartActivity($"{resource.Op} {resource.Type}", ActivityKind.Internal, parent);
        Activity.Current = previous;
        activity?.SetTag("portal.resource.name", resource.Name);
        activity?.SetTag("portal.resource.type", resource.Type);
        activity?.SetTag("portal.resource.op", resource.Op);
        return activity;
    }
}
