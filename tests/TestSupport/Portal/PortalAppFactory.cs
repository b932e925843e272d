using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;

namespace TestSupport.Portal;

/// <summary>
/// The real portal in-process, on its own SQLite file in a fresh folder. The simulated engine is
/// instant unless a test asks otherwise. Settings are the same keys an operator would set.
/// </summary>
public class PortalAppFactory : WebApplicationFactory<Program>
{
    /// <param name="dataDirectory">Reuse another instance's folder, e.g. to restart the portal on the same database.</param>
    public PortalAppFactory(string? dataDirectory = null)
    {
        DataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("portal-test-").FullName;
        _ownsDirectory = dataDirectory is null;
    }

    private readonly bool _ownsDirectory;

    public string DataDirectory { get; }

    public string DatabasePath => Path.Combine(DataDirectory, "portal.db");

    /// <summary>Configuration overrides, applied over the repository's appsettings.json.</summary>
    public Dictionary<string, string?> Settings { get; } = new()
    {
        ["Provisioning:Simulated:TimeScale"] = "0",
        ["Deployments:PollInterval"] = "00:00:00.200",
        ["Identity:BootstrapAdmin:ApiToken"] = ApiToken,
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Portal", $"Data Source={DatabasePath}");
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
    }

    /// <summary>Keep the folder after disposal, so another instance can start on it.</summary>
    public bool KeepData { get; set; }

    /// <summary>
    /// The token every API test authenticates with. It is the bootstrap admin's token, so that once the
    /// portal requires authentication the tests keep working; until then the portal ignores it.
    /// </summary>
    public const string ApiToken = "pat_test_0123456789abcdefghijklmnopqrstuv";

    /// <summary>An HTTP client for the API that sends <see cref="ApiToken"/>: the one way tests call the API.</summary>
    public HttpClient CreateApiClient() => CreateDefaultClient(new BearerTokenHandler(ApiToken));

    /// <summary>Starts the portal on Kestrel at a free local port (for clients outside the process) and returns its base URL.</summary>
    public string StartOnKestrel()
    {
        UseKestrel(0);
        StartServer();
        return Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses
            .First().Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1").TrimEnd('/');
    }

    public PortalDbContext CreateDbContext() =>
        Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (_ownsDirectory && !KeepData)
            try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
        GC.SuppressFinalize(this);
    }
}
