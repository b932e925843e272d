using System.Diagnostics;
using System.Text.Json.Nodes;
using Provisioning.Clusters;
using Provisioning.Engines;
using Provisioning.Health;
using Provisioning.Topology;

namespace Provisioning.Simulation;

/// <summary>
/// The embedded default engine: it deploys the plan to a simulated AWS. It walks the same
/// resource graph as Pulumi would, in dependency order with bounded parallelism and AWS-like
/// latencies, and keeps the simulated resources in a store so destroy, refresh and resume
/// behave like the real thing.
/// </summary>
public sealed class SimulatedEngine(ISimulatedStateStore store, SimulatedEngineOptions options, TimeProvider time) : IDeploymentEngine, IZoneOutageDrill
{
    /// <summary>The account every simulated ARN names.</summary>
    public const string Account = "000000000000";

    public string Name => EngineNames.Simulated;

    public IZoneOutageDrill? ZoneOutageDrill => this;

    /// <summary>The simulation needs nothing outside the process: it is always ready.</summary>
    public Task<string?> ReadinessProblemAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    public async Task<DeploymentResult> UpAsync(TopologyPlan plan, DeploymentContext context, IDeploymentEventSink sink, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var existing = (await store.LoadAsync(context.StackName, CancellationToken.None)).ToDictionary(r => r.Name);
        if (context.Resumed || existing.Count > 0)
            await sink.EmitAsync(EngineEvent.Diagnostic(
                $"Simulated AWS already holds {existing.Count} of the plan's {plan.Resources.Count} resources; only the missing ones are created, and those whose inputs changed are updated."), CancellationToken.None);

        var run = await WalkAsync(plan.Resources, r => r.DependsOn, async (resource, token) =>
        {
            if (existing.TryGetValue(resource.Name, out var stored))
            {
                var changed = SimulatedDiff.ChangedProperties(resource, stored);
                if (changed.Count > 0) return await UpdateAsync(plan, resource, stored, changed, context, sink, token);
                await sink.EmitAsync(EngineEvent.Started(resource.Name, resource.Type, "same", $"{resource.Name} is unchanged"), CancellationToken.None);
                // State written before inputs were recorded learns them now, so the next change is diffed by property.
                if (stored.Outputs[SimulatedDiff.InputsKey] is null)
                    await store.UpdateOutputsAsync(context.StackName, resource.Name, WithInputs(resource, stored.Outputs), CancellationToken.None);
                await sink.EmitAsync(EngineEvent.Succeeded(resource.Name, resource.Type, "same", $"{resource.Name} is unchanged"), CancellationToken.None);
                return null;
            }
            await sink.EmitAsync(EngineEvent.Started(resource.Name, resource.Type, "create", $"Creating {resource.Name} ({resource.TypeName})"), CancellationToken.None);
            var failure = await SimulateCreateAsync(plan, resource, context, sink, token);
            // Stopped at a safe point is no failure of the resource (the runner says why), and the marker is no message.
            if (failure == Interrupted) return failure;
            if (failure is not null)
            {
                await sink.EmitAsync(EngineEvent.Failed(resource.Name, resource.Type, "create", failure), CancellationToken.None);
                return failure;
            }
            var id = SimulatedCloud.NewId(resource, context.StackName);
            var outputs = WithInputs(resource, SimulatedCloud.Outputs(resource, id, plan.Spec.Region, Account));
            if (resource.TypeName == "Group") outputs["instances"] = SimulatedInstances.For(plan, resource);
            if (!await store.AddAsync(context.StackName, new SimulatedResource(resource.Name, resource.Type, id, outputs, time.GetUtcNow()), CancellationToken.None))
            {
                // Like AWS answering AlreadyExists: an interrupted attempt created it after this one read the state.
                await sink.EmitAsync(EngineEvent.Succeeded(resource.Name, resource.Type, "same", $"{resource.Name} already exists (created by an interrupted attempt)"), CancellationToken.None);
                return null;
            }
            await sink.EmitAsync(EngineEvent.Succeeded(resource.Name, resource.Type, "create", $"Created {resource.Name}: {id}"), CancellationToken.None);
            return null;
        }, cancellationToken);
        if (run.Failures.Count == 0 && !run.Interrupted)
            run = await DeleteRemovedAsync(plan, existing, context, sink, run, cancellationToken);

        await EmitSummaryAsync(sink, "update", run, clock.Elapsed);
        if (run.Failures.Count > 0)
            return new DeploymentResult(DeploymentOutcome.Failed, $"{run.Failures.Count} resource(s) failed: {run.Failures.First().Value}", [.. run.Failures.Keys]);
        if (run.Interrupted) return DeploymentResult.Cancelled();

        var state = (await store.LoadAsync(context.StackName, CancellationToken.None)).ToDictionary(r => r.Name);
        return new DeploymentResult(DeploymentOutcome.Succeeded, Outputs: SimulatedInstances.Outputs(plan, state));
    }

    public async Task<DeploymentResult> DestroyAsync(TopologyPlan plan, DeploymentContext context, IDeploymentEventSink sink, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var existing = (await store.LoadAsync(context.StackName, CancellationToken.None)).ToDictionary(r => r.Name);
        // Destroy runs the graph backwards: a resource goes once nothing that depends on it is left.
        var dependents = existing.Values.ToDictionary(r => r.Name, r =>
            (IReadOnlyList<string>)plan.Resources.Where(p => p.DependsOn.Contains(r.Name) && existing.ContainsKey(p.Name)).Select(p => p.Name).ToList());
        var toDelete = existing.Values.Select(r => new PlannedResource(r.Name, r.Type, new Dictionary<string, object?>())).ToList();

        var run = await WalkAsync(toDelete, r => dependents[r.Name], async (resource, token) =>
        {
            await sink.EmitAsync(EngineEvent.Started(resource.Name, resource.Type, "delete", $"Deleting {resource.Name} ({resource.TypeName})"), CancellationToken.None);
            if (!await DelayAsync(SimulatedCloud.DeleteLatency(resource.TypeName), token)) return Interrupted;
            await store.RemoveAsync(context.StackName, resource.Name, CancellationToken.None);
            await sink.EmitAsync(EngineEvent.Succeeded(resource.Name, resource.Type, "delete", $"Deleted {resource.Name}: {existing[resource.Name].Id}"), CancellationToken.None);
            return null;
        }, cancellationToken);

        await EmitSummaryAsync(sink, "destroy", run, clock.Elapsed);
        if (run.Failures.Count > 0)
            return new DeploymentResult(DeploymentOutcome.Failed, run.Failures.First().Value, [.. run.Failures.Keys]);
        return run.Interrupted ? DeploymentResult.Cancelled() : new DeploymentResult(DeploymentOutcome.Succeeded);
    }

    public async Task<DeploymentResult> RefreshAsync(TopologyPlan plan, DeploymentContext context, IDeploymentEventSink sink, CancellationToken cancellationToken)
    {
        var existing = await store.LoadAsync(context.StackName, CancellationToken.None);
        foreach (var resource in existing)
        {
            if (cancellationToken.IsCancellationRequested) return DeploymentResult.Cancelled();
            await sink.EmitAsync(EngineEvent.Started(resource.Name, resource.Type, "refresh", $"Reading {resource.Name}"), CancellationToken.None);
            await DelayAsync(TimeSpan.FromSeconds(0.5), cancellationToken);
            await sink.EmitAsync(EngineEvent.Succeeded(resource.Name, resource.Type, "refresh", $"{resource.Name} matches the recorded state"), CancellationToken.None);
        }
        var missing = plan.Resources.Count(r => existing.All(e => e.Name != r.Name));
        await sink.EmitAsync(new EngineEvent(EngineEventType.Summary,
            $"Refresh finished: {existing.Count} resource(s) read, {missing} of the plan's resources do not exist."), CancellationToken.None);
        var state = existing.ToDictionary(r => r.Name);
        return new DeploymentResult(DeploymentOutcome.Succeeded, Outputs: missing == 0 ? SimulatedInstances.Outputs(plan, state) : null);
    }

    /// <summary>
    /// Compares the plan with the simulated state as <see cref="UpAsync"/> would: missing resources are created,
    /// those whose inputs changed updated (with the properties named), those the plan no longer has deleted.
    /// Nothing is changed.
    /// </summary>
    public async Task<DeploymentResult> PreviewAsync(TopologyPlan plan, DeploymentContext context, IDeploymentEventSink sink, CancellationToken cancellationToken)
    {
        var existing = (await store.LoadAsync(context.StackName, cancellationToken)).ToDictionary(r => r.Name);
        var planned = plan.Resources.Select(r => r.Name).ToHashSet();
        List<string> create = [], update = [], unchanged = [];
        foreach (var resource in plan.Resources)
        {
            var changed = existing.TryGetValue(resource.Name, out var stored) ? SimulatedDiff.ChangedProperties(resource, stored) : null;
            var (op, message, list) = changed switch
            {
                null => ("create", $"+ {resource.Name} ({resource.TypeName}) would be created", create),
                { Count: > 0 } => ("update", $"~ {resource.Name} ({resource.TypeName}) would be updated: {string.Join(", ", changed)}{ScalingOf(plan, resource, stored!)}", update),
                _ => ("same", $"  {resource.Name} ({resource.TypeName}) is unchanged", unchanged),
            };
            list.Add(resource.Name);
            await sink.EmitAsync(new EngineEvent(EngineEventType.Diagnostic, message, Resource: new EventResource(resource.Name, resource.Type, op)), CancellationToken.None);
        }
        var delete = existing.Keys.Where(n => !planned.Contains(n)).Order(StringComparer.Ordinal).ToList();
        foreach (var name in delete)
            await sink.EmitAsync(new EngineEvent(EngineEventType.Diagnostic, $"- {name} would be deleted",
                Resource: new EventResource(name, existing[name].Type, "delete")), CancellationToken.None);
        var result = new PreviewResult(create, update, delete, unchanged);
        await sink.EmitAsync(new EngineEvent(EngineEventType.Summary,
            $"Preview: {create.Count} to create, {update.Count} to update, {delete.Count} to delete, {unchanged.Count} unchanged. Nothing was changed."), CancellationToken.None);
        return new DeploymentResult(DeploymentOutcome.Succeeded, Outputs: result.ToJson());
    }

    /// <summary>For a group whose size changes, how many instances it would launch or terminate.</summary>
    private static string ScalingOf(TopologyPlan plan, PlannedResource resource, SimulatedResource stored)
    {
        if (resource.TypeName != "Group" || resource.Properties.GetValueOrDefault("desiredCapacity") is not int size) return "";
        var running = (stored.Outputs["instances"] as JsonArray)?.Count ?? 0;
        return size > running ? $" ({running} → {size}: launches {size - running} instance(s))"
            : size < running ? $" ({running} → {size}: terminates {running - size} instance(s))" : "";
    }

    public async Task<ClusterHealth> CheckHealthAsync(TopologyPlan plan, DeploymentContext context, CancellationToken cancellationToken)
    {
        // Run Command's round trip: the agent picks the command up, runs the probe and reports back.
        if (!await DelayAsync(TimeSpan.FromSeconds(3), cancellationToken)) cancellationToken.ThrowIfCancellationRequested();
        var state = (await store.LoadAsync(context.StackName, cancellationToken)).ToDictionary(r => r.Name);
        var now = time.GetUtcNow();
        return ConsulHealthEvaluator.Evaluate(plan.Spec, SimulatedConsul.Probe(plan, state, context.Faults?.FailCheck, now), now);
    }

    public Task<DeploymentResult> TakeZoneDownAsync(TopologyPlan plan, DeploymentContext context, string zone, IDeploymentEventSink sink, CancellationToken cancellationToken) =>
        ChangeZoneAsync(plan, context, zone, down: true, sink, cancellationToken);

    public Task<DeploymentResult> RestoreZoneAsync(TopologyPlan plan, DeploymentContext context, string zone, IDeploymentEventSink sink, CancellationToken cancellationToken) =>
        ChangeZoneAsync(plan, context, zone, down: false, sink, cancellationToken);

    /// <summary>
    /// The zone-outage drill: the zone's servers stop answering (or answer again), and the client group,
    /// whose EC2 health checks fail in the lost zone, replaces those clients in the zones it can reach;
    /// on restore it rebalances them back. Each step is a resource event of the group it changes.
    /// </summary>
    private async Task<DeploymentResult> ChangeZoneAsync(
        TopologyPlan plan, DeploymentContext context, string zone, bool down, IDeploymentEventSink sink, CancellationToken cancellationToken)
    {
        var spec = plan.Spec;
        var index = spec.AvailabilityZones.ToList().IndexOf(zone);
        var state = (await store.LoadAsync(context.StackName, CancellationToken.None)).ToDictionary(r => r.Name);
        var serverGroupName = index < 0 ? "" : TopologyPlanBuilder.ServerGroup(index);
        if (!state.TryGetValue(serverGroupName, out var serverGroup) || !state.TryGetValue(TopologyPlanBuilder.ClientGroup, out var clientGroup))
            return new DeploymentResult(DeploymentOutcome.Failed, $"The cluster has no server group in {zone}: it is not deployed there.");

        var dc = Consul.ConsulAgentConfigs.Datacenter(spec, index);
        var survivors = spec.AvailabilityZones.Where(z => z != zone).ToList();
        await sink.EmitAsync(EngineEvent.Diagnostic(down
            ? $"Zone-outage drill (simulated): Availability Zone {zone} stops responding. Datacenter {dc}, its {spec.ServersPerAz} servers and its clients are cut off; {string.Join(", ", survivors)} keep running."
            : $"Zone-outage drill (simulated): Availability Zone {zone} is back. Datacenter {dc}'s servers answer again.", down ? EventSeverity.Warning : EventSeverity.Info), CancellationToken.None);

        var serverOp = down ? "outage" : "restore";
        await sink.EmitAsync(EngineEvent.Started(serverGroupName, serverGroup.Type, serverOp, down
            ? $"{serverGroupName}: {spec.ServersPerAz} server(s) in {zone} stop answering" : $"{serverGroupName}: {spec.ServersPerAz} server(s) in {zone} start answering"), CancellationToken.None);
        if (!await DelayAsync(TimeSpan.FromSeconds(down ? 10 : 20), cancellationToken)) return DeploymentResult.Cancelled();
        var serverOutputs = (JsonObject)serverGroup.Outputs.DeepClone();
        if (down) serverOutputs[SimulatedConsul.OutageKey] = time.GetUtcNow().ToString("O");
        else serverOutputs.Remove(SimulatedConsul.OutageKey);
        await store.UpdateOutputsAsync(context.StackName, serverGroupName, serverOutputs, CancellationToken.None);
        await sink.EmitAsync(EngineEvent.Succeeded(serverGroupName, serverGroup.Type, serverOp, down
            ? $"{serverGroupName}: {dc} is unreachable; the WAN pool marks its servers failed"
            : $"{serverGroupName}: {dc} elected a leader again, rejoined the WAN pool and caught up from its raft log"), CancellationToken.None);

        var clientOp = down ? "replace" : "rebalance";
        var downZones = spec.AvailabilityZones.Where(z => z == zone ? down : SimulatedConsul.OutageOf(state, spec.AvailabilityZones.ToList().IndexOf(z)) is not null).ToHashSet();
        var (instances, launched, terminated) = SimulatedInstances.Rebalance(plan, clientGroup.Outputs["instances"] as JsonArray ?? [], downZones);
        await sink.EmitAsync(EngineEvent.Started(TopologyPlanBuilder.ClientGroup, clientGroup.Type, clientOp, down
            ? $"{TopologyPlanBuilder.ClientGroup}: {terminated.Count} client(s) in {zone} fail their EC2 status checks; Auto Scaling replaces them in {string.Join(", ", survivors)}"
            : $"{TopologyPlanBuilder.ClientGroup}: Auto Scaling rebalances the clients across {string.Join(" and ", spec.AvailabilityZones)}"), CancellationToken.None);
        // Past the zone's change there is no safe point: the group replaces its clients either way.
        await DelayAsync(SimulatedCloud.CreateLatency("Group") * 0.5, CancellationToken.None);
        foreach (var instance in terminated)
            await sink.EmitAsync(EngineEvent.Diagnostic($"{TopologyPlanBuilder.ClientGroup}: terminated {instance["instanceId"]} ({instance["privateIp"]}) in {SimulatedInstances.Zone(instance)}"), CancellationToken.None);
        foreach (var instance in launched)
            await sink.EmitAsync(EngineEvent.Diagnostic(
                $"{TopologyPlanBuilder.ClientGroup}: launched {instance["instanceId"]} ({instance["privateIp"]}) in {SimulatedInstances.Zone(instance)}; it proved its boot and joined datacenter {SimulatedInstances.Zone(instance)}"), CancellationToken.None);
        var clientOutputs = (JsonObject)clientGroup.Outputs.DeepClone();
        clientOutputs["instances"] = instances;
        await store.UpdateOutputsAsync(context.StackName, TopologyPlanBuilder.ClientGroup, clientOutputs, CancellationToken.None);
        await sink.EmitAsync(EngineEvent.Succeeded(TopologyPlanBuilder.ClientGroup, clientGroup.Type, clientOp,
            $"{TopologyPlanBuilder.ClientGroup}: {spec.ClientCount} client(s) in service: " +
            string.Join(", ", instances.OfType<JsonObject>().GroupBy(SimulatedInstances.Zone).Select(g => $"{g.Count()} in {g.Key}"))), CancellationToken.None);

        var after = (await store.LoadAsync(context.StackName, CancellationToken.None)).ToDictionary(r => r.Name);
        return new DeploymentResult(DeploymentOutcome.Succeeded, Outputs: SimulatedInstances.Outputs(plan, after));
    }

    private static JsonObject WithInputs(PlannedResource resource, JsonObject outputs)
    {
        var updated = (JsonObject)outputs.DeepClone();
        updated[SimulatedDiff.InputsKey] = SimulatedDiff.Fingerprint(resource);
        // Like the provider's state: a group reports the sizes it was given.
        if (resource.TypeName == "Group")
            foreach (var property in SimulatedDiff.ScalingProperties)
                if (resource.Properties.GetValueOrDefault(property) is int value) updated[property] = value;
        return updated;
    }

    /// <summary>
    /// An in-place update, as the provider makes it: a launch template gets a new version; a group takes its new
    /// sizes and Auto Scaling launches or terminates instances until it has them. A client it terminates leaves
    /// Consul gracefully first (leave_on_terminate); one it launches proves its boot and joins its zone's datacenter.
    /// </summary>
    private async Task<string?> UpdateAsync(
        TopologyPlan plan, PlannedResource resource, SimulatedResource stored, IReadOnlyList<string> changed,
        DeploymentContext context, IDeploymentEventSink sink, CancellationToken token)
    {
        var properties = string.Join(", ", changed);
        await sink.EmitAsync(EngineEvent.Started(resource.Name, resource.Type, "update",
            $"Updating {resource.Name} ({resource.TypeName}): {properties}{ScalingOf(plan, resource, stored)}"), CancellationToken.None);
        var outputs = WithInputs(resource, stored.Outputs);
        if (resource.TypeName == "LaunchTemplate")
            outputs["latestVersion"] = (stored.Outputs["latestVersion"]?.GetValue<int>() ?? 1) + 1;

        IReadOnlyList<JsonObject> launched = [], terminated = [];
        if (resource.Name == TopologyPlanBuilder.ClientGroup)
        {
            var state = (await store.LoadAsync(context.StackName, CancellationToken.None)).ToDictionary(r => r.Name);
            var downZones = plan.Spec.AvailabilityZones
                .Where((zone, index) => options.DownZones.Contains(zone) || SimulatedConsul.OutageOf(state, index) is not null).ToHashSet();
            (var instances, launched, terminated) = SimulatedInstances.Rebalance(plan, stored.Outputs["instances"] as JsonArray ?? [], downZones);
            outputs["instances"] = instances;
        }

        if (!await DelayAsync(SimulatedCloud.UpdateLatency(resource.TypeName, launched.Count > 0), token)) return Interrupted;
        foreach (var instance in terminated)
            await sink.EmitAsync(new EngineEvent(EngineEventType.Diagnostic,
                $"{resource.Name}: {instance["instanceId"]} ({instance["privateIp"]}) left datacenter {SimulatedConsul.DatacenterOf(plan, instance)} gracefully and was terminated",
                Resource: new EventResource(instance["instanceId"]!.GetValue<string>(), SimulatedConsul.ClientType, "delete")), CancellationToken.None);
        foreach (var instance in launched)
            await sink.EmitAsync(new EngineEvent(EngineEventType.Diagnostic,
                $"{resource.Name}: launched {instance["instanceId"]} ({instance["privateIp"]}) in {SimulatedInstances.Zone(instance)}; it proved its boot (lifecycle hook {ClusterNames.BootLifecycleHook}) and joined datacenter {SimulatedConsul.DatacenterOf(plan, instance)}",
                Resource: new EventResource(instance["instanceId"]!.GetValue<string>(), SimulatedConsul.ClientType, "create")), CancellationToken.None);

        if (!await store.UpdateOutputsAsync(context.StackName, resource.Name, outputs, CancellationToken.None))
            return $"updating {resource.Type} ({resource.Name}): the resource no longer exists";
        if (resource.Name == TopologyPlanBuilder.ClientGroup)
            await sink.EmitAsync(EngineEvent.Diagnostic($"Consul: {SimulatedConsul.ClientMembers(plan, outputs)}"), CancellationToken.None);
        await sink.EmitAsync(EngineEvent.Succeeded(resource.Name, resource.Type, "update", $"Updated {resource.Name}: {stored.Id} ({properties})"), CancellationToken.None);
        return null;
    }

    /// <summary>Deletes what the state holds and the plan no longer names, newest first: what was created after a resource may depend on it.</summary>
    private async Task<WalkResult> DeleteRemovedAsync(
        TopologyPlan plan, IReadOnlyDictionary<string, SimulatedResource> existing, DeploymentContext context, IDeploymentEventSink sink,
        WalkResult run, CancellationToken cancellationToken)
    {
        var planned = plan.Resources.Select(r => r.Name).ToHashSet();
        var completed = run.Completed;
        foreach (var resource in existing.Values.Where(r => !planned.Contains(r.Name)).OrderByDescending(r => r.CreatedAt))
        {
            var typeName = resource.Type[(resource.Type.LastIndexOf(':') + 1)..];
            await sink.EmitAsync(EngineEvent.Started(resource.Name, resource.Type, "delete", $"Deleting {resource.Name} ({typeName}): the plan no longer has it"), CancellationToken.None);
            if (!await DelayAsync(SimulatedCloud.DeleteLatency(typeName), cancellationToken)) return run with { Interrupted = true, Completed = completed };
            await store.RemoveAsync(context.StackName, resource.Name, CancellationToken.None);
            await sink.EmitAsync(EngineEvent.Succeeded(resource.Name, resource.Type, "delete", $"Deleted {resource.Name}: {resource.Id}"), CancellationToken.None);
            completed++;
        }
        return run with { Completed = completed };
    }

    private const string Interrupted = "\0interrupted";

    private async Task<string?> SimulateCreateAsync(
        TopologyPlan plan, PlannedResource resource, DeploymentContext context, IDeploymentEventSink sink, CancellationToken token)
    {
        var latency = SimulatedCloud.CreateLatency(resource.TypeName);
        if (context.Faults?.FailResource == resource.Name)
            return await DelayAsync(latency * 0.5, token) ? SimulatedCloud.CreateError(resource, plan.Spec.Region) : Interrupted;

        var zone = resource.Properties.GetValueOrDefault("availabilityZone") as string
            ?? (resource.Name.StartsWith("serverGroup", StringComparison.Ordinal) ? plan.Spec.AvailabilityZones[resource.Name[^1] - 'A'] : null);
        if (zone is not null && options.DownZones.Contains(zone))
            return await DelayAsync(latency * 4, token)
                ? $"waiting for Auto Scaling Group ({resource.Name}) capacity satisfied: timeout while waiting for state to become 'ok' (last state: 'want exactly {plan.Spec.ServersPerAz} healthy instance(s) in Auto Scaling Group, have 0', timeout: {TopologyPlanBuilder.BootHeartbeatSeconds / 60 + 10}m0s). Availability Zone {zone} is not responding (simulated outage): no instance completed lifecycle hook {ClusterNames.BootLifecycleHook}, so each was abandoned."
                : Interrupted;

        if (resource.TypeName != "Group") return await DelayAsync(latency, token) ? null : Interrupted;
        var done = 0.0;
        foreach (var (at, message) in SimulatedBoot.Stages(plan, resource))
        {
            if (!await DelayAsync(latency * (at - done), token)) return Interrupted;
            done = at;
            await sink.EmitAsync(EngineEvent.Diagnostic(message), CancellationToken.None);
        }
        return null;
    }

    /// <summary>Waits a scaled, slightly jittered latency; false if cancelled first.</summary>
    private async Task<bool> DelayAsync(TimeSpan latency, CancellationToken token)
    {
        var scaled = latency * options.TimeScale * (0.8 + Random.Shared.NextDouble() * 0.4);
        if (scaled <= TimeSpan.Zero) return !token.IsCancellationRequested;
        try
        {
            await Task.Delay(scaled, time, token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private sealed record WalkResult(Dictionary<string, string> Failures, bool Interrupted, int Completed);

    /// <summary>
    /// Runs <paramref name="step"/> for every node once all its prerequisites have completed,
    /// at most <see cref="SimulatedEngineOptions.Parallelism"/> at once. After a failure or a
    /// cancellation no new step starts; steps in flight finish (or stop, if they can).
    /// </summary>
    private async Task<WalkResult> WalkAsync(
        IReadOnlyList<PlannedResource> nodes,
        Func<PlannedResource, IReadOnlyList<string>> prerequisites,
        Func<PlannedResource, CancellationToken, Task<string?>> step,
        CancellationToken cancellationToken)
    {
        var names = nodes.Select(n => n.Name).ToHashSet();
        var waiting = nodes.ToDictionary(n => n.Name, n => prerequisites(n).Where(names.Contains).ToHashSet());
        var pending = nodes.ToList();
        // A list, not a dictionary keyed by task: steps that finish synchronously share one cached task.
        var running = new List<(Task<string?> Task, PlannedResource Node)>();
        var failures = new Dictionary<string, string>();
        var interrupted = false;
        var completed = 0;
        var parallelism = Math.Max(1, options.Parallelism);

        while (pending.Count > 0 || running.Count > 0)
        {
            var stopping = failures.Count > 0 || interrupted || cancellationToken.IsCancellationRequested;
            if (!stopping)
                foreach (var ready in pending.Where(n => waiting[n.Name].Count == 0).Take(parallelism - running.Count).ToList())
                {
                    pending.Remove(ready);
                    running.Add((step(ready, cancellationToken), ready));
                }
            if (running.Count == 0)
            {
                interrupted |= pending.Count > 0 && failures.Count == 0;
                break;
            }
            var finished = await Task.WhenAny(running.Select(r => r.Task));
            var index = running.FindIndex(r => r.Task == finished);
            var node = running[index].Node;
            running.RemoveAt(index);
            var error = await finished;
            if (error == Interrupted) interrupted = true;
            else if (error is not null) failures[node.Name] = error;
            else
            {
                completed++;
                foreach (var set in waiting.Values) set.Remove(node.Name);
            }
        }
        return new WalkResult(failures, interrupted || (cancellationToken.IsCancellationRequested && pending.Count > 0), completed);
    }

    private static ValueTask EmitSummaryAsync(IDeploymentEventSink sink, string kind, WalkResult run, TimeSpan elapsed)
    {
        var result = run.Failures.Count > 0 ? "failed" : run.Interrupted ? "stopped" : "succeeded";
        return sink.EmitAsync(new EngineEvent(EngineEventType.Summary,
            $"Simulated {kind} {result} after {elapsed.TotalSeconds:0.0}s: {run.Completed} resource(s) done, {run.Failures.Count} failed.",
            run.Failures.Count > 0 ? EventSeverity.Error : EventSeverity.Info), CancellationToken.None);
    }
}
