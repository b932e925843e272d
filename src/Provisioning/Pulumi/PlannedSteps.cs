using Provisioning.Engines;

namespace Provisioning.Pulumi;

/// <summary>Passes every event of a <c>pulumi preview</c> on and notes each resource's planned step ("Would create vpc …").</summary>
internal sealed class PlannedSteps(IDeploymentEventSink inner) : IDeploymentEventSink
{
    private readonly List<EventResource> _steps = [];

    public ValueTask EmitAsync(EngineEvent engineEvent, CancellationToken cancellationToken = default)
    {
        if (engineEvent is { Type: EngineEventType.Diagnostic, Resource: { } resource })
            lock (_steps) _steps.Add(resource);
        return inner.EmitAsync(engineEvent, cancellationToken);
    }

    public PreviewResult ToResult()
    {
        List<(string Name, string Kind)> found;
        lock (_steps)
            // A replacement shows as several steps of one resource (replace, create-replacement, delete-replaced): it counts once, as a change.
            found = _steps.GroupBy(s => s.Name).Select(g => (g.Key, Classify(g.Select(s => s.Op).ToHashSet()))).ToList();
        List<string> Of(string kind) => found.Where(f => f.Kind == kind).Select(f => f.Name).ToList();
        return new PreviewResult(Of("create"), Of("update"), Of("delete"), Of("unchanged"));
    }

    private static string Classify(HashSet<string> ops) =>
        ops.IsSubsetOf(Kept) ? "unchanged" : ops.SetEquals(["create"]) ? "create" : ops.SetEquals(["delete"]) ? "delete" : "update";

    private static readonly HashSet<string> Kept = ["same", "read", "refresh"];
}
