using System.Globalization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using TestSupport.Portal;

namespace Portal.EndToEnd;

/// <summary>
/// The real portal on Kestrel at 127.0.0.1 and a port the OS picks, so that a browser outside the
/// process can reach it; everything else (SQLite file, settings) is <see cref="PortalAppFactory"/>'s.
/// </summary>
public sealed class KestrelPortalFactory : PortalAppFactory
{
    public KestrelPortalFactory(double timeScale)
    {
        UseKestrel(0);
        Settings["Provisioning:Simulated:TimeScale"] = timeScale.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Starts the host and returns the address Kestrel actually bound.</summary>
    public Uri Start()
    {
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        return new Uri(addresses.Single());
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        // Outside Development the host does not read the build's static web assets manifest, so
        // MudBlazor's CSS/JS and blazor.web.js would 404 from the build output.
        builder.UseStaticWebAssets();
    }
}
