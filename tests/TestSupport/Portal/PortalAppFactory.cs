using Microsoft.AspNetCore.Hosting;
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
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Portal", $"Data Source={DatabasePath}");
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
    }

    /// <summary>Keep the folder after disposal, so another instance can start on it.</summary>
    public bool KeepData { get; set; }

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
