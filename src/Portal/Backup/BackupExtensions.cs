using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portal.Api;
using Portal.Auditing;
using Portal.Clusters;
using Portal.Data;

namespace Portal.Backup;

public static class BackupExtensions
{
    public static IHostApplicationBuilder AddBackup(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BackupOptions>().Bind(builder.Configuration.GetSection("Backup")).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<BackupService>();
        return builder;
    }

    private const string Usage = "Usage: dotnet Portal.dll backup [<file.zip>] [--Backup:Passphrase=...] [--ConnectionStrings:Portal=...]\n"
        + "       dotnet Portal.dll restore <file.zip> [--Backup:Passphrase=...] [--ConnectionStrings:Portal=...]";

    /// <summary>
    /// The verbs, run with the configuration the portal would use (appsettings.json, environment, the options after
    /// the file) and without starting the web host:
    /// <c>backup &lt;file.zip&gt;</c> backs up the database, safe while the portal runs, and audits it;
    /// <c>backup</c> alone writes into <c>Backup:Directory</c> and applies <c>Backup:KeepLast</c>, as the admin API does;
    /// <c>restore &lt;file.zip&gt;</c> puts a backup, its key ring decrypted, into the data folder of a stopped portal.
    /// Exit code 0 done, 1 failed (the reason on stderr), 2 usage.
    /// </summary>
    /// <returns>False when the arguments are not a verb: start the portal.</returns>
    public static async Task<bool> TryRunBackupVerbAsync(this string[] args)
    {
        if (args is not ["backup" or "restore", ..]) return false;
        var file = args is [_, var second, ..] && !second.StartsWith('-') ? second : null;
        if (args[0] == "restore" && file is null)
        {
            await Console.Error.WriteLineAsync(Usage);
            Environment.ExitCode = 2;
            return true;
        }
        // The web host's own builder, never built: exactly the configuration sources the portal reads.
        var builder = WebApplication.CreateBuilder(args[(file is null ? 1 : 2)..]);
        builder.AddPortalConfiguration();
        var location = PortalDataLocation.From(builder.Configuration, builder.Environment);
        try
        {
            if (args[0] == "restore") await RestoreAsync(builder, location, file!);
            else await BackupAsync(builder, location, file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or InvalidDataException
                                       or OptionsValidationException or Microsoft.Data.Sqlite.SqliteException)
        {
            await Console.Error.WriteLineAsync($"{(args[0] == "restore" ? "Restore into" : "Backup of")} {location.DatabasePath} failed: {ex.Message}");
            Environment.ExitCode = 1;
        }
        return true;
    }

    private static async Task BackupAsync(WebApplicationBuilder builder, PortalDataLocation location, string? file)
    {
        builder.AddPortalData();
        builder.AddAuditing();
        builder.AddBackup();
        await using var services = builder.Services.BuildServiceProvider();
        var actor = new AuditActor("system", null, $"backup verb (user {Environment.UserName})", null, null, null);
        var result = await services.GetRequiredService<BackupService>().TakeAsync(actor, file, CancellationToken.None);
        if (result.Status != CommandStatus.Ok) throw new InvalidOperationException(result.Message);
        var directory = services.GetRequiredService<IOptions<BackupOptions>>().Value.Resolve(builder.Environment.ContentRootPath, location.DatabasePath);
        Console.WriteLine(Path.GetFullPath(result.Value!.File, directory)); // the verb's own file is a full path already
    }

    private static async Task RestoreAsync(WebApplicationBuilder builder, PortalDataLocation location, string file)
    {
        var passphrase = builder.Configuration.GetSection("Backup").Get<BackupOptions>()?.Passphrase;
        if (string.IsNullOrEmpty(passphrase))
            throw new InvalidOperationException("Backup:Passphrase is not set: the backup's key ring is encrypted with the passphrase it was taken with.");
        await PortalBackup.RestoreAsync(location, file, passphrase, CancellationToken.None);
        Console.WriteLine($"Restored {Path.GetFullPath(file)} into {Path.GetDirectoryName(location.DatabasePath)}");
    }
}
