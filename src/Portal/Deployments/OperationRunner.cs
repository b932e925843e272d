using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Auditing;
using Portal.Clusters;
using Portal.Data;
using Portal.Observability;
using Provisioning.Clusters;
using Provisioning.Engines;
using Provisioning.Security;
using Provisioning.Topology;

namespace Portal.Deployments;

/// <summary>Runs one claimed operation through its engine, keeping the lease alive and honouring cancel requests.</summary>
internal sealed class OperationRunner(
    AuditLog audit,
    IDbContextFactory<PortalDbContext> dbFactory,
    DeploymentEngines engines,
    OperationBroadcaster broadcaster,
    ClusterSecretStore secretStore,
    PlanPreview preview,
    PortalTelemetry telemetry,
    IOptions<DeploymentOptions> options,
    TimeProvider time,
    ILogger<OperationRunner> logger)
{
    private readonly DeploymentOptions _options = options.Value;

    public async Task RunAsync(Guid operationId, string leaseToken, CancellationToken shutdown)
    {
        await Task.Yield();
        Operation operation;
        Cluster cluster;
        ResourceProgress progress;
        bool firstOfCluster;
        await using (var db = await dbFactory.CreateDbContextAsync(CancellationToken.None))
        {
            operation = await db.Operations.AsNoTracking().Include(o => o.Cluster).SingleAsync(o => o.Id == operationId, CancellationToken.None);
            cluster = operation.Cluster;
            progress = await ResourceProgress.LoadAsync(db, operationId, CancellationToken.None);
            firstOfCluster = !await db.Operations.AnyAsync(o => o.ClusterId == cluster.Id && o.CreatedAt < operation.CreatedAt, CancellationToken.None);
        }
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["OperationId"] = operationId, ["Cluster"] = cluster.Name });

        var spec = JsonSerializer.Deserialize<ClusterSpec>(operation.SpecJson, PortalJson.Options)!;
        var plan = TopologyPlanBuilder.Build(spec);
        var secrets = await secretStore.ForAsync(cluster, CancellationToken.None);
        using var activity = PortalTelemetry.ActivitySource.StartActivity($"{operation.Kind.ToString().ToLowerInvariant()} cluster");
        activity?.SetTag("portal.operation.id", operationId);
        activity?.SetTag("portal.operation.kind", operation.Kind.ToString().ToLowerInvariant());
        activity?.SetTag("portal.operation.attempt", operation.Attempt);
        activity?.SetTag("portal.cluster.name", cluster.Name);
        activity?.SetTag("portal.engine", cluster.Engine);
        var sink = new OperationEventSink(operation, leaseToken, progress, secrets.Confidential, dbFactory, broadcaster, telemetry, time, logger);
        var traced = new TracingEventSink(sink, activity?.Context ?? default);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        var lease = KeepLeaseAsync(operationId, leaseToken, stop, shutdown);

        DeploymentResult result;
        try
        {
            await OperationFinisher.StartAsync(dbFactory, operation, plan.Resources.Count, time.GetUtcNow());
            broadcaster.Publish(new OperationUpdate(operationId, cluster.Id, [], OperationState.Running));
            telemetry.OperationStarted(operation.Kind, cluster.Engine);
            logger.LogInformation("Running {Kind} of {Cluster} (attempt {Attempt}) on the {Engine} engine", operation.Kind, cluster.Name, operation.Attempt, cluster.Engine);
            result = await RunEngineAsync(operation, cluster, plan, secrets, firstOfCluster, traced, stop.Token);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Operation {OperationId} failed unexpectedly", operationId);
            result = new DeploymentResult(DeploymentOutcome.Failed, $"The engine failed unexpectedly: {ex.Message}");
            await sink.EmitAsync(EngineEvent.Diagnostic(result.Error!, EventSeverity.Error));
        }

        var interruptedByShutdown = result.Outcome == DeploymentOutcome.Cancelled && shutdown.IsCancellationRequested;
        if (interruptedByShutdown)
            await sink.EmitAsync(EngineEvent.Diagnostic("The portal is restarting: the operation stopped at a safe point and resumes on the next start.", EventSeverity.Warning));
        await stop.CancelAsync();
        await lease;
        traced.Complete();
        await sink.CompleteAsync();

        var now = time.GetUtcNow();
        var state = await OperationFinisher.FinishAsync(dbFactory, audit, operation, result, interruptedByShutdown, leaseToken, now);
        logger.LogInformation("{Kind} of {Cluster} ended {State}", operation.Kind, cluster.Name, state);
        var final = state is OperationState.Succeeded or OperationState.Failed or OperationState.Cancelled;
        telemetry.OperationEnded(operation.Kind, cluster.Engine, final ? state.ToString().ToLowerInvariant() : "interrupted",
            final && operation.StartedAt is { } started ? now - started : null);
        activity?.SetTag("portal.operation.state", state.ToString().ToLowerInvariant());
        if (state == OperationState.Failed) activity?.SetStatus(ActivityStatusCode.Error, result.Error);
        broadcaster.Publish(new OperationUpdate(operationId, cluster.Id, [], state));
    }

    private Task<DeploymentResult> RunEngineAsync(
        Operation operation, Cluster cluster, TopologyPlan plan, ClusterSecrets secrets, bool firstOfCluster, IDeploymentEventSink sink, CancellationToken token)
    {
        var engine = engines.Find(cluster.Engine)
            ?? throw new InvalidOperationException($"Cluster '{cluster.Name}' was deployed by the {cluster.Engine} engine, which this portal is not configured to run (Provisioning:Engine).");
        var faults = cluster.SimulationJson is null ? null : JsonSerializer.Deserialize<SimulatedFaults>(cluster.SimulationJson, PortalJson.Options);
        // Faults belong to the create request: they hit its first run only, so that retry shows recovery.
        // A retry counts as resumed: the engine refreshes its state first, then completes what is missing.
        var context = new DeploymentContext(cluster.Name, operation.Attempt > 1 || operation.RetryOfId is not null, secrets,
            operation.Kind == OperationKind.Create && operation.Attempt == 1 && firstOfCluster ? faults : null);
        return operation.Kind switch
        {
            OperationKind.Destroy => engine.DestroyAsync(plan, context, sink, token),
            OperationKind.Refresh => engine.RefreshAsync(plan, context, sink, token),
            OperationKind.Preview => preview.RunAsync(engine, plan, context, sink, token),
            _ => engine.UpAsync(plan, context, sink, token),
        };
    }

    /// <summary>Renews the lease until the run ends; a cancel request in the database stops the engine at a safe point.</summary>
    private async Task KeepLeaseAsync(Guid operationId, string leaseToken, CancellationTokenSource stop, CancellationToken shutdown)
    {
        var interval = _options.LeaseDuration / 3;
        while (!stop.IsCancellationRequested)
        {
            try { await Task.Delay(interval < TimeSpan.FromSeconds(1) ? interval : TimeSpan.FromSeconds(1), time, stop.Token); }
            catch (OperationCanceledException) { return; }
            try
            {
                await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
                var now = time.GetUtcNow();
                var renewed = await db.Operations
                    .Where(o => o.Id == operationId && o.LeaseOwner == leaseToken && (o.State == OperationState.Running || o.State == OperationState.Cancelling))
                    .ExecuteUpdateAsync(s => s.SetProperty(o => o.LeaseExpiresAt, now + _options.LeaseDuration), CancellationToken.None);
                var state = await db.Operations.Where(o => o.Id == operationId).Select(o => o.State).SingleAsync(CancellationToken.None);
                if (renewed == 0 || state == OperationState.Cancelling)
                {
                    if (renewed == 0) logger.LogWarning("Lost the lease on operation {OperationId}; stopping", operationId);
                    await stop.CancelAsync();
                    return;
                }
            }
            catch (Exception ex) when (!shutdown.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Renewing the lease of {OperationId} failed; retrying", operationId);
            }
        }
    }
}
