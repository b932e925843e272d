using Microsoft.Extensions.Options;

namespace Portal.Deployments;

public static class DeploymentExtensions
{
    public static IHostApplicationBuilder AddDeployments(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<DeploymentOptions>().Bind(builder.Configuration.GetSection("Deployments")).ValidateDataAnnotations().ValidateOnStart();

        // The meter and activity source are always there; Observability exports them when OTLP is configured.
        services.AddSingleton<QueueStatistics>();
        services.AddSingleton<PortalTelemetry>();
        services.AddSingleton<OperationBroadcaster>();
        services.AddSingleton<OperationEventFeed>();
        services.AddSingleton<OperationCommands>();
        services.AddSingleton<WorkSignal>();
        services.AddSingleton<OperationRunner>();
        services.AddSingleton<DeploymentWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<DeploymentWorker>());
        services.AddHostedService<ReplicaRelay>(); // PostgreSQL only: live updates across replicas

        // The host waits this long for running operations to reach a safe point and hand their lease back.
        services.AddOptions<HostOptions>().Configure<IOptions<DeploymentOptions>>((host, deployments) =>
            host.ShutdownTimeout = deployments.Value.ShutdownTimeout);
        return builder;
    }
}
