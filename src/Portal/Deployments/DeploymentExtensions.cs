using Microsoft.Extensions.Options;
using Portal.Data;
using Provisioning.Engines;
using Provisioning.Simulation;

namespace Portal.Deployments;

public static class DeploymentExtensions
{
    public static IHostApplicationBuilder AddDeployments(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ProvisioningOptions>().Bind(builder.Configuration.GetSection("Provisioning")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProvisioningOptions>, ProvisioningOptionsValidator>();
        services.AddOptions<DeploymentOptions>().Bind(builder.Configuration.GetSection("Deployments")).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<OperationBroadcaster>();
        services.AddSingleton<OperationEventFeed>();
        services.AddSingleton<WorkSignal>();
        services.AddSingleton<OperationRunner>();
        services.AddSingleton<DeploymentWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<DeploymentWorker>());

        services.AddSingleton<ISimulatedStateStore, SimulatedStateStore>();
        services.AddSingleton<IDeploymentEngine>(sp => new SimulatedEngine(
            sp.GetRequiredService<ISimulatedStateStore>(),
            sp.GetRequiredService<IOptions<ProvisioningOptions>>().Value.Simulated,
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IEngineReadiness, SimulatedEngineReadiness>();
        services.AddSingleton<DeploymentEngines>();

        // The host waits this long for running operations to reach a safe point and hand their lease back.
        services.AddOptions<HostOptions>().Configure<IOptions<DeploymentOptions>>((host, deployments) =>
            host.ShutdownTimeout = deployments.Value.ShutdownTimeout);
        return builder;
    }
}
