using Microsoft.Data.Sqlite;
using Npgsql;

namespace Portal.Data;

/// <summary>Which database the portal keeps its state in (<c>Database:Provider</c>).</summary>
public enum DatabaseProvider
{
    /// <summary>One file, one process: the embedded default.</summary>
    Sqlite,

    /// <summary>A server several replicas share (docs/scaling.md).</summary>
    PostgreSQL,
}

/// <summary>
/// Where the portal keeps its state: the SQLite file and, beside it, the Data Protection keys that
/// encrypt the clusters' gossip keys; or a PostgreSQL database, which holds the keys too. The web host,
/// the health check and the backup verb resolve it the same way, so they always agree on which database is "the database".
/// </summary>
/// <param name="DatabasePath">The SQLite file; empty on PostgreSQL.</param>
/// <param name="KeysDirectory">The key ring's folder beside the SQLite file; null when the keys live in the database.</param>
public sealed record PortalDataLocation(DatabaseProvider Provider, string ConnectionString, string DatabasePath, string? KeysDirectory)
{
    public const string ProviderKey = "Database:Provider";

    public bool InMemory => DatabasePath == ":memory:";

    public bool IsPostgreSql => Provider == DatabaseProvider.PostgreSQL;

    /// <summary>The database as messages name it: the file, or the server and database (never the password).</summary>
    public string Description
    {
        get
        {
            if (!IsPostgreSql) return DatabasePath;
            var postgres = new NpgsqlConnectionStringBuilder(ConnectionString);
            return $"PostgreSQL database '{postgres.Database}' on {postgres.Host}:{postgres.Port}";
        }
    }

    /// <exception cref="InvalidOperationException">An unknown provider or a connection string of the wrong form, named.</exception>
    public static PortalDataLocation From(IConfiguration configuration, IHostEnvironment environment)
    {
        var provider = ProviderFrom(configuration);
        var configured = configuration.GetConnectionString("Portal")
            ?? throw new InvalidOperationException("ConnectionStrings:Portal is not set.");
        if (provider == DatabaseProvider.PostgreSQL)
        {
            NpgsqlConnectionStringBuilder postgres;
            try { postgres = new NpgsqlConnectionStringBuilder(configured); }
            catch (ArgumentException ex)
            {
                throw new InvalidOperationException($"ConnectionStrings:Portal is not an Npgsql connection string (Host=…;Database=…;Username=…): {ex.Message}");
            }
            if (string.IsNullOrEmpty(postgres.Host) || string.IsNullOrEmpty(postgres.Database))
                throw new InvalidOperationException("ConnectionStrings:Portal names no Host or no Database for PostgreSQL (Host=…;Database=…;Username=…).");
            return new PortalDataLocation(provider, postgres.ConnectionString, "", null);
        }

        var connection = new SqliteConnectionStringBuilder(configured);
        if (connection.DataSource != ":memory:" && !Path.IsPathRooted(connection.DataSource))
            connection.DataSource = Path.Combine(environment.ContentRootPath, connection.DataSource);
        var directory = Path.GetDirectoryName(connection.DataSource);
        return new PortalDataLocation(provider, connection.ToString(), connection.DataSource,
            directory is { Length: > 0 } ? Path.Combine(directory, "keys") : null);
    }

    private static DatabaseProvider ProviderFrom(IConfiguration configuration)
    {
        var configured = configuration[ProviderKey];
        if (string.IsNullOrWhiteSpace(configured)) return DatabaseProvider.Sqlite;
        // Names only: Enum.TryParse would take "1" too.
        foreach (var known in Enum.GetValues<DatabaseProvider>())
            if (string.Equals(known.ToString(), configured.Trim(), StringComparison.OrdinalIgnoreCase)) return known;
        throw new InvalidOperationException($"{ProviderKey} is '{configured}', which is not a provider the portal knows: use Sqlite (the default) or PostgreSQL.");
    }

    /// <summary>A connection string that fails instead of creating an empty database when the file is missing.</summary>
    public string ExistingFileConnectionString(bool pooling = true) =>
        new SqliteConnectionStringBuilder(ConnectionString) { Mode = SqliteOpenMode.ReadWrite, Pooling = pooling }.ToString();
}
