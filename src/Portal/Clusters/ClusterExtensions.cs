namespace Portal.Clusters;

public static class ClusterExtensions
{
    public static IHostApplicationBuilder AddClusters(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ClusterRequestValidator>();
        builder.Services.AddSingleton<ClusterCommands>();
        builder.Services.AddSingleton<ClusterReads>();
        builder.Services.AddSingleton<ClusterSecretsCommands>();
        builder.Services.AddSingleton<ClusterRollouts>();
        builder.Services.AddHostedService<ClusterExpiry>();
        return builder;
    }
}
