using System.Data.Common;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Portal.Data;

public static class DataExtensions
{
    public static IHostApplicationBuilder AddPortalData(this IHostApplicationBuilder builder)
    {
        var location = PortalDataLocation.From(builder.Configuration, builder.Environment);
        if (!location.IsPostgreSql && Path.GetDirectoryName(location.DatabasePath) is { Length: > 0 } directory) Directory.CreateDirectory(directory);
        builder.Services.AddSingleton(location);

        // Keys that encrypt cookies and the clusters' gossip keys live beside the database and are backed up with it;
        // on PostgreSQL in it, so that every replica reads what another protected, encrypted at rest with a certificate.
        var keys = builder.Services.AddDataProtection().SetApplicationName("Portal");
        if (location.IsPostgreSql)
            keys.PersistKeysToDbContext<PortalDbContext>().ProtectKeysWithCertificate(KeyCertificate.Load(builder.Configuration));
        else if (location.KeysDirectory is { } keysDirectory)
            keys.PersistKeysToFileSystem(new DirectoryInfo(keysDirectory));

        if (location.IsPostgreSql) AddPostgreSql(builder.Services, location);
        else
            builder.Services.AddDbContextFactory<PortalDbContext>(options => options
                .UseSqlite(location.ConnectionString)
                .AddInterceptors(new SqlitePragmas()));
        return builder;
    }

    /// <summary>
    /// The PostgreSQL context type carries its own migrations; services keep asking for <see cref="PortalDbContext"/>
    /// (its factory, or a scoped context for ASP.NET Core Identity) and get the PostgreSQL one.
    /// </summary>
    private static void AddPostgreSql(IServiceCollection services, PortalDataLocation location)
    {
        services.AddDbContextFactory<PostgreSqlPortalDbContext>(options => options.UseNpgsql(location.ConnectionString));
        services.AddSingleton<IDbContextFactory<PortalDbContext>>(sp =>
            new BaseContextFactory<PostgreSqlPortalDbContext>(sp.GetRequiredService<IDbContextFactory<PostgreSqlPortalDbContext>>()));
        services.AddScoped<PortalDbContext>(sp => sp.GetRequiredService<PostgreSqlPortalDbContext>());
    }

    private sealed class BaseContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<PortalDbContext>
        where TContext : PortalDbContext
    {
        public PortalDbContext CreateDbContext() => inner.CreateDbContext();

        public async Task<PortalDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
            await inner.CreateDbContextAsync(cancellationToken);
    }

    /// <summary>
    /// The folder of the database file: keys and engine state live beside it and are backed up with it. A PostgreSQL
    /// database has no folder: the local engine state goes to <c>Database:DataDirectory</c> (default: the content root).
    /// </summary>
    public static string DataDirectory(IHostApplicationBuilder builder)
    {
        var location = PortalDataLocation.From(builder.Configuration, builder.Environment);
        if (location.IsPostgreSql)
            return builder.Configuration["Database:DataDirectory"] is { Length: > 0 } configured
                ? Path.GetFullPath(configured, builder.Environment.ContentRootPath)
                : builder.Environment.ContentRootPath;
        return Path.GetDirectoryName(location.DatabasePath) is { Length: > 0 } directory ? directory : builder.Environment.ContentRootPath;
    }

    /// <summary>
    /// Creates or upgrades the schema (and switches a SQLite file to WAL) before anything else touches it. Replicas that
    /// start together on PostgreSQL take turns: EF Core holds a migrations lock (an advisory lock) while it migrates.
    /// </summary>
    /// <exception cref="InvalidOperationException">The PostgreSQL server cannot be reached or refuses the portal, named.</exception>
    public static async Task MigratePortalDatabaseAsync(this IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var location = scope.ServiceProvider.GetRequiredService<PortalDataLocation>();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        if (location.IsPostgreSql)
        {
            try
            {
                // Without it, Npgsql's migrator first queries a missing history table of a new database: an error line for nothing.
                await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync();
                await db.Database.MigrateAsync();
            }
            // EF Core wraps a failure it takes for transient in an InvalidOperationException of its own.
            catch (Exception ex) when ((ex as Npgsql.NpgsqlException ?? ex.InnerException as Npgsql.NpgsqlException) is { } failure)
            {
                throw new InvalidOperationException($"The {location.Description} cannot be reached or refuses the portal: {failure.Message}", ex);
            }
            return;
        }
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
