namespace Portal.Clusters;

public static class ClusterExtensions
{
    public static IHostApplicationBuilder AddClusters(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PreviewOptions>().Bind(builder.Configuration.GetSection(PreviewOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ClusterRequestValidator>();
        builder.Services.AddSingleton<ClusterCommands>();
        builder.Services.AddSingleton<ClusterReads>();
        builder.Services.AddSingleton<PreviewReads>();
        builder.Services.AddSingleton<ClusterSecretsCommands>();
        builder.Services.AddSingleton<ClusterRollouts>();
        builder.Services.AddHostedService<ClusterExpiry>();
        return builder;
    }
}
