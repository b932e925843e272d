namespace Portal.Clusters;

public static class ClusterExtensions
{
    public static IHostApplicationBuilder AddClusters(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<GossipKeyProtector>();
        builder.Services.AddSingleton<ClusterRequestValidator>();
        builder.Services.AddSingleton<ClusterCommands>();
        builder.Services.AddHostedService<ClusterExpiry>();
        return builder;
    }
}
