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
        List<EventResource> steps;
        lock (_steps) steps = [.. _steps];
        // A replacement shows as several steps of one resource (replace, create-replacement, delete-replaced): it counts once, as a change.
        return new PreviewResult(steps.GroupBy(s => s.Name).Select(g =>
        {
            var ops = g.Select(s => s.Op).ToHashSet();
            var properties = g.SelectMany(s => s.Properties ?? []).Distinct().Order(StringComparer.Ordinal).ToList();
            return new PreviewChange(g.Key, g.First().Type, Classify(ops), properties, ops.Contains("replace") ? "replaced: a new one is created before the old one is deleted" : null);
        }).ToList());
    }

    private static string Classify(HashSet<string> ops) =>
        ops.IsSubsetOf(Kept) ? PreviewChange.Unchanged : ops.SetEquals(["create"]) ? PreviewChange.Create
        : ops.SetEquals(["delete"]) ? PreviewChange.Delete : PreviewChange.Update;

    private static readonly HashSet<string> Kept = ["same", "read", "refresh"];
}
