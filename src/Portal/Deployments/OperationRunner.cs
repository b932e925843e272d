using System.Diagnostics;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Auditing;
using Portal.Clusters;
using Portal.Data;
using Portal.Engines;
using Portal.Monitoring;
using Provisioning.Clusters;
using Provisioning.Engines;
using Provisioning.Health;
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
    ConsulVerification verification,
    ClusterHealthRecorder healthRecorder,
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

        var spec = operation.Spec;
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
        ClusterHealth? health = null;
        try
        {
            var engine = engines.Find(cluster.Engine)
                ?? throw new InvalidOperationException($"Cluster '{cluster.Name}' was deployed by the {cluster.Engine} engine, which this portal is not configured to run (Provisioning:Engine).");
            var context = ContextOf(operation, cluster, secrets, firstOfCluster);
            await OperationFinisher.StartAsync(dbFactory, operation, StepsOf(operation, cluster, plan), time.GetUtcNow());
            broadcaster.Publish(new OperationUpdate(operationId, cluster.Id, OperationState.Running));
            telemetry.OperationStarted(operation.Kind, cluster.Engine);
            logger.LogInformation("Running {Kind} of {Cluster} (attempt {Attempt}) on the {Engine} engine", operation.Kind, cluster.Name, operation.Attempt, cluster.Engine);
            result = await RunEngineAsync(engine, operation, plan, context, traced, stop.Token);
            if (result.Rollout is { } stopped)
            {
                // The check that stopped the rollout is the cluster's health now: degraded, with the reason.
                health = stopped.Health;
                await healthRecorder.RecordAsync(cluster.Id, health, ClusterHealthRecorder.Verification, AuditActor.System, applyStatus: false, CancellationToken.None);
            }
            if (result.Outcome == DeploymentOutcome.Succeeded && ChecksConsul(operation.Kind))
                (result, health) = await CheckConsulAsync(engine, operation, cluster, plan, context, result, traced, stop.Token);
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
        var state = await OperationFinisher.FinishAsync(dbFactory, audit, operation, result, health, interruptedByShutdown, leaseToken, now);
        logger.LogInformation("{Kind} of {Cluster} ended {State}", operation.Kind, cluster.Name, state);
        var final = state is OperationState.Succeeded or OperationState.Failed or OperationState.Cancelled;
        telemetry.OperationEnded(operation.Kind, cluster.Engine, final ? state.ToString().ToLowerInvariant() : "interrupted",
            final && operation.StartedAt is { } started ? now - started : null);
        activity?.SetTag("portal.operation.state", state.ToString().ToLowerInvariant());
        if (state == OperationState.Failed) activity?.SetStatus(ActivityStatusCode.Error, result.Error);
        broadcaster.Publish(new OperationUpdate(operationId, cluster.Id, state));
    }

    /// <remarks>A retry counts as resumed: the engine refreshes its state first, then completes what is missing.</remarks>
    private static DeploymentContext ContextOf(Operation operation, Cluster cluster, ClusterSecrets secrets, bool firstOfCluster) =>
        EngineContexts.For(cluster, secrets, resumed: operation.Attempt > 1 || operation.RetryOfId is not null,
            firstCreateRun: operation.Kind == OperationKind.Create && operation.Attempt == 1 && firstOfCluster,
            rolloutRecovery: operation.Kind is OperationKind.RolloutContinue or OperationKind.RolloutRollback);

    private Task<DeploymentResult> RunEngineAsync(
        IDeploymentEngine engine, Operation operation, TopologyPlan plan, DeploymentContext context, IDeploymentEventSink sink, CancellationToken token)
    {
        return operation.Kind switch
        {
            OperationKind.Destroy => engine.DestroyAsync(plan, context, sink, token),
            OperationKind.Refresh => engine.RefreshAsync(plan, context, sink, token),
            OperationKind.Preview => engine.PreviewAsync(plan, context, sink, token),
            OperationKind.ZoneOutage => Drill(engine).TakeZoneDownAsync(plan, context, operation.Zone!, sink, token),
            OperationKind.ZoneRestore => Drill(engine).RestoreZoneAsync(plan, context, operation.Zone!, sink, token),
            OperationKind.Snapshot => Snapshots(engine).TakeAsync(plan, context, IConsulSnapshots.Manual, sink, token),
            OperationKind.Restore => Snapshots(engine).RestoreAsync(plan, context, operation.SnapshotId!, sink, token),
            _ => engine.UpAsync(plan, context, sink, token),
        };
    }

    private static IZoneOutageDrill Drill(IDeploymentEngine engine) => engine.ZoneOutageDrill
        ?? throw new InvalidOperationException($"The {engine.Name} engine cannot run zone-outage drills: only the simulated engine can.");

    private static IConsulSnapshots Snapshots(IDeploymentEngine engine) => engine.Snapshots
        ?? throw new InvalidOperationException($"The {engine.Name} engine cannot reach the cluster's snapshot bucket.");

    /// <summary>Operations after which Consul itself is asked how the cluster is; a restore changes what Consul holds.</summary>
    private static bool ChecksConsul(OperationKind kind) =>
        kind is OperationKind.Create or OperationKind.Update or OperationKind.Refresh or OperationKind.ZoneOutage or OperationKind.ZoneRestore
            or OperationKind.RolloutContinue or OperationKind.RolloutRollback or OperationKind.Restore;

    /// <summary>
    /// The steps an operation's progress counts: the plan's resources and the verification, or the drill's two groups;
    /// a change of the Consul version adds the rollout's snapshots and node replacements.
    /// </summary>
    private static int StepsOf(Operation operation, Cluster cluster, TopologyPlan plan) => StepsOf(operation.Kind, plan) + (Rolls(operation, cluster) ? RolloutSteps(plan.Spec) : 0);

    /// <summary>A continue or a roll back replaces at most every node; the finisher counts what it did.</summary>
    private static bool Rolls(Operation operation, Cluster cluster) =>
        operation.Kind is OperationKind.RolloutContinue or OperationKind.RolloutRollback
        || (operation.Kind == OperationKind.Update && operation.Spec.ConsulVersion != cluster.Spec.ConsulVersion);

    private static int RolloutSteps(Provisioning.Clusters.ClusterSpec spec) =>
        spec.AvailabilityZones.Count * (1 + spec.ServersPerAz) + spec.ClientCount;

    private static int StepsOf(OperationKind kind, TopologyPlan plan) => kind switch
    {
        OperationKind.ZoneOutage or OperationKind.ZoneRestore => 2,
        OperationKind.Snapshot => plan.Spec.AvailabilityZones.Count,
        OperationKind.Restore => 2,
        _ when ChecksConsul(kind) => plan.Resources.Count + 1,
        _ => plan.Resources.Count,
    };

    /// <summary>
    /// Verifies Consul after a deployment (retrying for a while), or checks it once while a zone is down, and records
    /// the result. A deployment whose Consul never became healthy fails, and leaves its cluster degraded.
    /// </summary>
    private async Task<(DeploymentResult, ClusterHealth?)> CheckConsulAsync(
        IDeploymentEngine engine, Operation operation, Cluster cluster, TopologyPlan plan, DeploymentContext context,
        DeploymentResult result, IDeploymentEventSink sink, CancellationToken token)
    {
        ClusterHealth? health;
        if (operation.Kind == OperationKind.ZoneOutage)
        {
            // Degraded is the expected answer here: the drill shows what still works.
            health = await engine.CheckHealthAsync(plan, context, CancellationToken.None);
            await sink.EmitAsync(EngineEvent.Diagnostic($"Consul during the outage: {ConsulVerification.Summary(health)}. Failing: " +
                string.Join("; ", health.Failing.Select(c => c.Name)), EventSeverity.Warning), CancellationToken.None);
        }
        else health = await verification.RunAsync(engine, plan, context, sink, token);

        if (health is null) return (DeploymentResult.Cancelled(), null);
        await healthRecorder.RecordAsync(cluster.Id, health, operation.Kind == OperationKind.ZoneOutage ? ClusterHealthRecorder.Drill : ClusterHealthRecorder.Verification,
            AuditActor.System, applyStatus: false, CancellationToken.None);
        if (health.Status == HealthStatus.Healthy || operation.Kind == OperationKind.ZoneOutage) return (result, health);
        if (token.IsCancellationRequested) return (DeploymentResult.Cancelled(), health);
        return (result with
        {
            Outcome = DeploymentOutcome.Failed,
            Error = $"The infrastructure is in place, but Consul is not healthy: {string.Join("; ", health.Failing.Select(c => $"{c.Name} ({c.Detail})"))}",
            FailedResources = [ConsulVerification.Step],
        }, health);
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
