using Microsoft.Extensions.Configuration.Json;

namespace Portal;

public static class PortalConfiguration
{
    /// <summary>
    /// Reads the repository's single <c>appsettings.json</c>, which the build links into the output
    /// folder, at the place the default one would have had: environment variables and the command
    /// line still override it.
    /// </summary>
    public static IHostApplicationBuilder AddPortalConfiguration(this IHostApplicationBuilder builder)
    {
        var sources = builder.Configuration.Sources;
        var defaultIndex = sources.ToList().FindIndex(s => s is JsonConfigurationSource { Path: "appsettings.json" });
        var linked = new JsonConfigurationSource
        {
            Path = Path.Combine(AppContext.BaseDirectory, "appsettings.json"),
            Optional = false,
            ReloadOnChange = false,
        };
        linked.ResolveFileProvider();
        sources.Insert(defaultIndex < 0 ? 0 : defaultIndex, linked);
        return builder;
    }
}
