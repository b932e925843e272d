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
        // The name is required: the portal cannot make one up. Every other field of a create has a default.
        builder.Services.Configure<Microsoft.AspNetCore.OpenApi.OpenApiOptions>("v1", options => options.AddSchemaTransformer((schema, context, _) =>
        {
            if (context.JsonTypeInfo.Type == typeof(CreateClusterRequest) && context.JsonPropertyInfo is null)
                (schema.Required ??= new HashSet<string>()).Add("name");
            return Task.CompletedTask;
        }));
        return builder;
    }
}
