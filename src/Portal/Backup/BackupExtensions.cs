using Portal.Data;

namespace Portal.Backup;

public static class BackupExtensions
{
    public static IHostApplicationBuilder AddBackup(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BackupOptions>().Bind(builder.Configuration.GetSection("Backup"));
        return builder;
    }

    /// <summary>
    /// <c>dotnet Portal.dll backup &lt;file.zip&gt; [--key=value ...]</c>: backs up the database the portal
    /// would use with the same configuration (appsettings.json, environment, the options after the
    /// file) and exits without starting the web host. Safe while the portal runs.
    /// </summary>
    /// <returns>False when the arguments are not the backup verb: start the portal.</returns>
    public static async Task<bool> TryRunBackupVerbAsync(this string[] args)
    {
        if (args is not ["backup", ..]) return false;
        if (args is not ["backup", var target, ..] || target.StartsWith('-'))
        {
            await Console.Error.WriteLineAsync("Usage: dotnet Portal.dll backup <file.zip> [--ConnectionStrings:Portal=...]");
            Environment.ExitCode = 2;
            return true;
        }
        // The web host's own builder, never built: exactly the configuration sources the portal reads.
        var builder = WebApplication.CreateBuilder(args[2..]);
        builder.AddPortalConfiguration();
        var location = PortalDataLocation.From(builder.Configuration, builder.Environment);
        try
        {
            await PortalBackup.WriteAsync(location, target, CancellationToken.None);
            Console.WriteLine(Path.GetFullPath(target));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
        {
            await Console.Error.WriteLineAsync($"Backup of {location.DatabasePath} failed: {ex.Message}");
            Environment.ExitCode = 1;
        }
        return true;
    }
}
