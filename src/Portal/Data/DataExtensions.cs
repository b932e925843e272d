using System.Data.Common;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Portal.Data;

public static class DataExtensions
{
    public static IHostApplicationBuilder AddPortalData(this IHostApplicationBuilder builder)
    {
        var location = PortalDataLocation.From(builder.Configuration, builder.Environment);
        if (Path.GetDirectoryName(location.DatabasePath) is { Length: > 0 } directory) Directory.CreateDirectory(directory);
        builder.Services.AddSingleton(location);

        // Keys that encrypt cookies and the clusters' gossip keys live beside the database and are backed up with it.
        var keys = builder.Services.AddDataProtection().SetApplicationName("Portal");
        if (location.KeysDirectory is { } keysDirectory)
            keys.PersistKeysToFileSystem(new DirectoryInfo(keysDirectory));

        builder.Services.AddDbContextFactory<PortalDbContext>(options => options
            .UseSqlite(location.ConnectionString)
            .AddInterceptors(new SqlitePragmas()));
        return builder;
    }

    /// <summary>The folder of the database file: keys and engine state live beside it and are backed up with it.</summary>
    public static string DataDirectory(IHostApplicationBuilder builder) =>
        Path.GetDirectoryName(PortalDataLocation.From(builder.Configuration, builder.Environment).DatabasePath) is { Length: > 0 } directory
            ? directory
            : builder.Environment.ContentRootPath;

    /// <summary>Creates or upgrades the schema and switches the file to WAL, before anything else touches it.</summary>
    public static async Task MigratePortalDatabaseAsync(this IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        await db.Database.MigrateAsync();
        // WAL lets readers (pages, SSE) run while the worker writes; it is a property of the file, set once.
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
    }

    /// <summary>Per-connection settings SQLite does not remember.</summary>
    private sealed class SqlitePragmas : DbConnectionInterceptor
    {
        private const string Pragmas = "PRAGMA busy_timeout=10000; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            command.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
