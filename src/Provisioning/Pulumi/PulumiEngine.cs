using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Provisioning.Engines;
using Provisioning.Health;
using Provisioning.Security;
using Provisioning.Topology;

namespace Provisioning.Pulumi;

/// <summary>
/// The production engine: writes the plan as a Pulumi YAML program into the stack's work
/// directory and drives the <c>pulumi</c> CLI (pulumi-cli-contract.md), reporting the CLI's
/// event log as <see cref="EngineEvent"/>s. Consul's health is asked on the servers through Systems Manager.
/// </summary>
public sealed class PulumiEngine(PulumiCli cli, SsmConsulProbe probe, TimeProvider time, ILogger<PulumiEngine> logger) : IDeploymentEngine
{
    // Pulumi has no wait-for-lock: operations on one stack are serialised here.
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _stackGates = new();
    private readonly PulumiReadiness _readiness = new(cli, time);

    public string Name => EngineNames.Pulumi;

    /// <summary>Pulumi cannot cut a real zone off: drills are the simulated engine's only.</summary>
    public IZoneOutageDrill? ZoneOutageDrill => null;

    /// <summary>None yet: its program has no snapshot bucket, so snapshot requests on its clusters answer 409.</summary>
    public IConsulSnapshots? Snapshots => null;

    public Task<string?> ReadinessProblemAsync(CancellationToken cancellationToken) => _readiness.ProblemAsync(cancellationToken);

    public Task<DeploymentResult> UpAsync(TopologyPlan plan, DeploymentContext context, IDeploymentEventSink sink, CancellationToken cancellationToken)
    {
        string[] args = cli.Options.Parallelism > 0
            ? ["up", "--yes", "--skip-preview", "--parallel", cli.Options.Parallelism.ToString(System.Globalization.CultureInfo.InvariantCulture)]
            : ["up", "--yes", "--skip-preview"];
        return RunAsync("up", args, plan, context, sink, cancellationToken);
    }

    public Task<DeploymentResult> DestroyAsync(TopologyPlan plan, DeploymentContext context, IDeploymentEventSink sink, CancellationToken cancellationToken) =>
        RunAsync("destroy", ["destroy", "--yes", "--skip-preview"], plan, context, sink, cancellationToken);

    public Task<DeploymentResult> RefreshAsync(TopologyPlan plan, DeploymentContext context, IDeploymentEventSink sink, CancellationToken cancellationToken) =>
        RunAsync("refresh", ["refresh", "--yes", "--skip-preview"], plan, context, sink, cancellationToken);

    public async Task<ClusterHealth> CheckHealthAsync(TopologyPlan plan, DeploymentContext context, CancellationToken cancellationToken)
    {
        // The probe needs no secret; these only make sure none leaves in a command or comes back in an error.
        string[] secrets = [cli.Options.Passphrase, .. context.Secrets.Confidential];
        var probes = await probe.ProbeAsync(plan.Spec, secrets, cancellationToken);
        return ConsulHealthEvaluator.Evaluate(plan.Spec, probes, time.GetUtcNow());
    }

    /// <summary><c>pulumi preview</c>: its planned steps, reported as diagnostics, are collected into the result; nothing is deployed.</summary>
    public async Task<DeploymentResult> PreviewAsync(TopologyPlan plan, DeploymentContext context, IDeploymentEventSink sink, CancellationToken cancellationToken)
    {
        var steps = new PlannedSteps(sink);
        var result = await RunAsync("preview", ["preview"], plan, context, steps, cancellationToken);
        return result.Outcome == DeploymentOutcome.Succeeded ? result with { Outputs = steps.ToResult().ToJson() } : result;
    }

    private static readonly string[] ClearPendingRefresh = ["refresh", "--yes", "--skip-preview", "--clear-pending-creates"];

    private async Task<DeploymentResult> RunAsync(
        string command, string[] args, TopologyPlan plan, DeploymentContext context, IDeploymentEventSink sink, CancellationToken cancellationToken)
    {
        string[] secrets = [cli.Options.Passphrase, .. context.Secrets.Confidential];
        sink = new RedactingSink(sink, secrets);
        var gate = _stackGates.GetOrAdd(context.StackName, _ => new SemaphoreSlim(1, 1));
        try
        {
            await gate.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return DeploymentResult.Cancelled();
        }
        try
        {
            var result = await RunLockedAsync(command, args, plan, context, sink, cancellationToken);
            return result.Error is null ? result : result with { Error = SecretRedaction.Redact(result.Error, secrets) };
        }
        catch (OperationCanceledException)
        {
            return DeploymentResult.Cancelled();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            logger.LogError(e, "The Pulumi CLI could not be started");
            return new DeploymentResult(DeploymentOutcome.Failed,
                $"The Pulumi CLI could not be started from '{cli.Options.CliPath}' ({e.Message}): install it or set {PulumiOptions.Section}:CliPath.");
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<DeploymentResult> RunLockedAsync(
        string command, string[] args, TopologyPlan plan, DeploymentContext context, IDeploymentEventSink sink, CancellationToken cancellationToken)
    {
        var workspace = new PulumiWorkspace(cli, context.StackName);
        var failure = await workspace.PrepareAsync(plan, context.Secrets, cancellationToken);
        if (failure.Kind == PulumiFailureKind.None) failure = await ClearStaleLockAsync(workspace, sink, cancellationToken);
        if (failure.Kind != PulumiFailureKind.None) return Result(failure);

        if (context.Resumed)
        {
            await sink.EmitAsync(EngineEvent.Diagnostic(
                $"Resuming {command} of stack '{context.StackName}' after an interruption: clearing pending operations with a refresh first.",
                EventSeverity.Warning), CancellationToken.None);
            // A crashed CLI leaves pending creates that block the next up or destroy; a refresh that clears them also reads what exists.
            if (command == "refresh") args = ClearPendingRefresh;
            else
            {
                failure = await RunEngineCommandAsync(workspace, "refresh", ClearPendingRefresh, sink, cancellationToken);
                if (failure.Kind != PulumiFailureKind.None) return Result(failure);
            }
        }

        if (cancellationToken.IsCancellationRequested) return DeploymentResult.Cancelled();
        failure = await RunEngineCommandAsync(workspace, command, args, sink, cancellationToken);
        if (failure.Kind != PulumiFailureKind.None) return Result(failure);

        return command switch
        {
            "up" or "refresh" => new DeploymentResult(DeploymentOutcome.Succeeded, Outputs: await OutputsAsync(workspace, sink, cancellationToken)),
            "destroy" => await RemoveStackAsync(workspace, sink),
            _ => new DeploymentResult(DeploymentOutcome.Succeeded),
        };
    }

    private async Task<PulumiFailure> RunEngineCommandAsync(
        PulumiWorkspace workspace, string command, string[] args, IDeploymentEventSink sink, CancellationToken cancellationToken)
    {
        var mapper = new PulumiEventMapper();
        var result = await cli.RunWithEventsAsync(workspace.Directory, workspace.Stack, args, async line =>
        {
            foreach (var engineEvent in mapper.Map(line)) await sink.EmitAsync(engineEvent, CancellationToken.None);
        }, cancellationToken);
        foreach (var engineEvent in mapper.Finish()) await sink.EmitAsync(engineEvent, CancellationToken.None);
        var failure = PulumiFailure.Classify(command, result, mapper);
        if (failure.Kind is not (PulumiFailureKind.None or PulumiFailureKind.Cancelled) && mapper.Lines == 0)
            // Nothing reached the event log (lock held, bad config): say why in the progress stream too.
            await sink.EmitAsync(EngineEvent.Diagnostic(failure.Message, EventSeverity.Error), CancellationToken.None);
        return failure;
    }

    /// <summary>
    /// A lock left by a crashed CLI blocks every later operation. Only a lock whose every
    /// holder is provably gone is cleared; otherwise the operation fails as a concurrent update.
    /// </summary>
    private async Task<PulumiFailure> ClearStaleLockAsync(PulumiWorkspace workspace, IDeploymentEventSink sink, CancellationToken cancellationToken)
    {
        if (cli.Options.BackendFolder() is not { } backend)
        {
            logger.LogDebug("Backend is not a file:// folder: lock files are not inspected");
            return PulumiFailure.None;
        }
        var holders = StackLocks.Read(backend, workspace.Stack);
        if (holders.Count == 0) return PulumiFailure.None;
        var described = string.Join("; ", holders.Select(h => $"process {h.Pid} of {h.Username} on {h.Hostname} since {h.Timestamp}"));
        if (!holders.All(StackLocks.IsStale))
            return new(PulumiFailureKind.ConcurrentUpdate,
                $"Another update of stack '{workspace.Stack}' is in progress (concurrent update): it is locked by {described}.", []);

        logger.LogWarning("Clearing the stale lock of stack {Stack}: {Holders}", workspace.Stack, described);
        await sink.EmitAsync(EngineEvent.Diagnostic(
            $"Clearing a stale lock of stack '{workspace.Stack}': {described} is no longer running.", EventSeverity.Warning), CancellationToken.None);
        var cancel = await cli.RunAsync(workspace.Directory, workspace.Stack, ["cancel", "--yes"], null, cancellationToken);
        return PulumiFailure.Classify("cancel", cancel, null);
    }

    private async Task<JsonObject?> OutputsAsync(PulumiWorkspace workspace, IDeploymentEventSink sink, CancellationToken cancellationToken)
    {
        // Without --show-secrets: secret outputs stay "[secret]" and never reach the database.
        var result = await cli.RunAsync(workspace.Directory, workspace.Stack, ["stack", "output", "--json"], null, cancellationToken);
        try
        {
            if (result.Ok && JsonNode.Parse(result.StdOut) is JsonObject outputs) return outputs;
        }
        catch (JsonException)
        {
        }
        await sink.EmitAsync(EngineEvent.Diagnostic(
            $"The stack's outputs could not be read: {PulumiCli.Tail(result.StdErr)}", EventSeverity.Warning), CancellationToken.None);
        return null;
    }

    private async Task<DeploymentResult> RemoveStackAsync(PulumiWorkspace workspace, IDeploymentEventSink sink)
    {
        // Past the destroy a cancel no longer helps: removing the empty stack is not interrupted.
        var remove = await cli.RunAsync(workspace.Directory, workspace.Stack, ["stack", "rm", "--yes"], null, CancellationToken.None);
        if (!remove.Ok)
        {
            await sink.EmitAsync(EngineEvent.Diagnostic(
                $"The resources are gone but the stack could not be removed: {PulumiCli.Tail(remove.StdErr)}", EventSeverity.Warning), CancellationToken.None);
            return new DeploymentResult(DeploymentOutcome.Succeeded);
        }
        try
        {
            // The work dir holds the stack's encrypted config; nothing is left to keep it for.
            Directory.Delete(workspace.Directory, recursive: true);
        }
        catch (IOException e)
        {
            logger.LogWarning(e, "Could not delete the work directory of stack {Stack}", workspace.Stack);
        }
        return new DeploymentResult(DeploymentOutcome.Succeeded);
    }

    private static DeploymentResult Result(PulumiFailure failure) => failure.Kind == PulumiFailureKind.Cancelled
        ? DeploymentResult.Cancelled()
        : new DeploymentResult(DeploymentOutcome.Failed, failure.Message, failure.FailedResources);
}
