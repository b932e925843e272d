using System.Text.Json;
using System.Text.Json.Nodes;
using Provisioning.Engines;
using Provisioning.Simulation;
using Provisioning.Topology;

namespace Portal.Deployments;

/// <summary>What a preview found: the plan's resources compared with what the cloud holds.</summary>
public sealed record PreviewResult(IReadOnlyList<string> Create, IReadOnlyList<string> Delete, IReadOnlyList<string> Unchanged)
{
    public JsonObject ToJson() => JsonSerializer.SerializeToNode(this, PortalJson.Options)!.AsObject();
}

/// <summary>
/// Runs a preview: the difference between a plan and the simulated cloud's state, without changing
/// anything. It lives here rather than in the engines because only the portal keeps the simulated
/// state; the Pulumi engine has no preview yet, so a preview there fails with a clear message.
/// </summary>
internal sealed class PlanPreview(ISimulatedStateStore store)
{
    public async Task<DeploymentResult> RunAsync(IDeploymentEngine engine, TopologyPlan plan, DeploymentContext context, IDeploymentEventSink sink, CancellationToken cancellationToken)
    {
        if (engine.Name != "simulated")
            return new DeploymentResult(DeploymentOutcome.Failed, $"Preview is available only with the simulated engine; this cluster is deployed by {engine.Name}.");

        var existing = (await store.LoadAsync(context.StackName, cancellationToken)).ToDictionary(r => r.Name);
        var planned = plan.Resources.Select(r => r.Name).ToHashSet();
        var result = new PreviewResult(
            plan.Resources.Where(r => !existing.ContainsKey(r.Name)).Select(r => r.Name).ToList(),
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
}
