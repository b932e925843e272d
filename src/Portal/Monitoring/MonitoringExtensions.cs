namespace Portal.Monitoring;

public static class MonitoringExtensions
{
    /// <summary>Consul's health: verification after every deployment, the scheduled re-checks, the history and on-demand checks.</summary>
    public static IHostApplicationBuilder AddClusterHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<HealthOptions>().Bind(builder.Configuration.GetSection(HealthOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<HealthSignals>();
        builder.Services.AddSingleton<ClusterHealthRecorder>();
        builder.Services.AddSingleton<ConsulVerification>();
        builder.Services.AddSingleton<ClusterHealthChecker>();
        builder.Services.AddSingleton<ClusterHealthService>();
        builder.Services.AddHostedService<ClusterHealthMonitor>();
        return builder;
    }
}
