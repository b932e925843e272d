using System.Text.Json;
using System.Text.Json.Nodes;
using Provisioning.Engines;
using Provisioning.Pulumi;
using Provisioning.Simulation;
using Provisioning.Topology;

namespace Portal.Deployments;

/// <summary>What a preview found: the plan's resources compared with what the cloud holds.</summary>
/// <param name="Update">Changed in place or replaced; only the Pulumi engine finds these.</param>
public sealed record PreviewResult(IReadOnlyList<string> Create, IReadOnlyList<string> Update, IReadOnlyList<string> Delete, IReadOnlyList<string> Unchanged)
{
    public JsonObject ToJson() => JsonSerializer.SerializeToNode(this, PortalJson.Options)!.AsObject();
}

/// <summary>
/// Runs a preview without changing anything. The simulated engine's is computed here, from the
/// simulated state only the portal keeps; the Pulumi engine's is <c>pulumi preview</c>, whose
/// planned steps are collected into the same result.
/// </summary>
internal sealed class PlanPreview(ISimulatedStateStore store)
{
    public async Task<DeploymentResult> RunAsync(IDeploymentEngine engine, TopologyPlan plan, DeploymentContext context, IDeploymentEventSink sink, CancellationToken cancellationToken)
    {
        if (engine is PulumiEngine pulumi) return await PulumiPreviewAsync(pulumi, plan, context, sink, cancellationToken);
        if (engine.Name != "simulated")
            return new DeploymentResult(DeploymentOutcome.Failed, $"Preview is not available for clusters deployed by the {engine.Name} engine.");

        var existing = (await store.LoadAsync(context.StackName, cancellationToken)).ToDictionary(r => r.Name);
        var planned = plan.Resources.Select(r => r.Name).ToHashSet();
        var result = new PreviewResult(
            plan.Resources.Where(r => !existing.ContainsKey(r.Name)).Select(r => r.Name).ToList(),
            [],
            existing.Keys.Where(n => !planned.Contains(n)).Order(StringComparer.Ordinal).ToList(),
            plan.Resources.Where(r => existing.ContainsKey(r.Name)).Select(r => r.Name).ToList());

        foreach (var resource in plan.Resources)
        {
            var op = existing.ContainsKey(resource.Name) ? "same" : "create";
            await sink.EmitAsync(new EngineEvent(EngineEventType.Diagnostic,
                op == "create" ? $"+ {resource.Name} ({resource.TypeName}) would be created" : $"  {resource.Name} ({resource.TypeName}) is unchanged",
                Resource: new EventResource(resource.Name, resource.Type, op)), CancellationToken.None);
        }
        foreach (var name in result.Delete)
            await sink.EmitAsync(new EngineEvent(EngineEventType.Diagnostic, $"- {name} would be deleted",
                Resource: new EventResource(name, existing[name].Type, "delete")), CancellationToken.None);
        await sink.EmitAsync(new EngineEvent(EngineEventType.Summary,
            $"Preview: {result.Create.Count} to create, {result.Delete.Count} to delete, {result.Unchanged.Count} unchanged. Nothing was changed."), CancellationToken.None);
        return new DeploymentResult(DeploymentOutcome.Succeeded, Outputs: result.ToJson());
    }

    private static async Task<DeploymentResult> PulumiPreviewAsync(
        PulumiEngine engine, TopologyPlan plan, DeploymentContext context, IDeploymentEventSink sink, CancellationToken cancellationToken)
    {
        var steps = new PlannedSteps(sink);
        var result = await engine.PreviewAsync(plan, context, steps, cancellationToken);
        return result.Outcome == DeploymentOutcome.Succeeded ? result with { Outputs = steps.ToResult().ToJson() } : result;
    }

    /// <summary>Passes every event on and notes each resource's planned step ("Would create vpc …").</summary>
    private sealed class PlannedSteps(IDeploymentEventSink inner) : IDeploymentEventSink
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
}
