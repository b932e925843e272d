using Microsoft.Data.Sqlite;

namespace Portal.Data;

/// <summary>
/// Where the portal keeps its state: the SQLite file and, beside it, the Data Protection keys that
/// encrypt the clusters' gossip keys. The web host, the health check and the backup verb resolve it
/// the same way, so they always agree on which file is "the database".
/// </summary>
public sealed record PortalDataLocation(string ConnectionString, string DatabasePath, string? KeysDirectory)
{
    public bool InMemory => DatabasePath == ":memory:";

    public static PortalDataLocation From(IConfiguration configuration, IHostEnvironment environment)
    {
        var configured = configuration.GetConnectionString("Portal")
            ?? throw new InvalidOperationException("ConnectionStrings:Portal is not set.");
        var connection = new SqliteConnectionStringBuilder(configured);
        if (connection.DataSource != ":memory:" && !Path.IsPathRooted(connection.DataSource))
            connection.DataSource = Path.Combine(environment.ContentRootPath, connection.DataSource);
        var directory = Path.GetDirectoryName(connection.DataSource);
        return new PortalDataLocation(connection.ToString(), connection.DataSource,
            directory is { Length: > 0 } ? Path.Combine(directory, "keys") : null);
    }

    /// <summary>A connection string that fails instead of creating an empty database when the file is missing.</summary>
    public string ExistingFileConnectionString(bool pooling = true) =>
        new SqliteConnectionStringBuilder(ConnectionString) { Mode = SqliteOpenMode.ReadWrite, Pooling = pooling }.ToString();
}
