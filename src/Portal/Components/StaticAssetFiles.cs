using Microsoft.AspNetCore.StaticAssets;

namespace Portal.Components;

/// <summary>
/// Where the portal's static files come from, whatever the current directory, and what happens when one is missing.
/// </summary>
/// <remarks>
/// The host's web root defaults to <c>{content root}/wwwroot</c> and the content root to the current directory,
/// while <c>MapStaticAssets</c> reads its manifest from beside the application. Started from any other folder
/// (<c>dotnet /opt/portal/Portal.dll</c> from <c>/</c>, a systemd unit with another WorkingDirectory), every asset
/// was then answered 200 with the manifest's length and no body, cacheable for a year. The content root stays the
/// current directory on purpose: relative data paths (<c>data/portal.db</c>) are the operator's, not the application's.
/// </remarks>
public static class StaticAssetFiles
{
    /// <summary>The published layout keeps <c>wwwroot</c> beside <c>Portal.dll</c>.</summary>
    private static string PublishedWebRoot => Path.Combine(AppContext.BaseDirectory, "wwwroot");

    /// <summary>The build output has no <c>wwwroot</c> but a manifest pointing at the project's files and packages.</summary>
    private static string BuildManifest => Path.Combine(AppContext.BaseDirectory, $"{typeof(StaticAssetFiles).Assembly.GetName().Name}.staticwebassets.runtime.json");

    /// <summary>Host options whose web root is the application's own, when it has one.</summary>
    public static WebApplicationOptions HostOptions(string[] args) =>
        Directory.Exists(PublishedWebRoot) ? new() { Args = args, WebRootPath = PublishedWebRoot } : new() { Args = args };

    /// <summary>
    /// Run from the build output (<c>dotnet bin/Release/net10.0/Portal.dll</c>) outside Development, the files are
    /// where the build manifest says: Development reads it already, every other environment has to be told.
    /// </summary>
    public static void UseBuildOutputAssets(this WebApplicationBuilder builder)
    {
        if (!builder.Environment.IsDevelopment() && !Directory.Exists(PublishedWebRoot) && File.Exists(BuildManifest))
            builder.WebHost.UseStaticWebAssets();
    }

    /// <summary>A 404, never an empty 200, for an asset the manifest lists but the web root lacks.</summary>
    public static StaticAssetsEndpointConventionBuilder AnswerMissingFilesNotFound(this StaticAssetsEndpointConventionBuilder assets, IWebHostEnvironment environment)
    {
        assets.Add(endpoint =>
        {
            if (endpoint.Metadata.OfType<StaticAssetDescriptor>().FirstOrDefault() is not { } asset || endpoint.RequestDelegate is not { } serve) return;
            var exists = new Lazy<bool>(() => environment.WebRootFileProvider.GetFileInfo(asset.AssetPath).Exists);
            endpoint.RequestDelegate = http =>
            {
                if (exists.Value) return serve(http);
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            };
        });
        return assets;
    }
}
