using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Portal.Data;

namespace Portal.Health;

/// <summary>
/// The database file is there, readable, and has every migration this build knows. It opens a
/// fresh, unpooled connection that may not create the file: a pooled connection would keep
/// working on a deleted or replaced file, and a creating one would hide its loss behind an empty database.
/// </summary>
internal sealed class DatabaseHealthCheck(PortalDataLocation location, IDbContextFactory<PortalDbContext> dbFactory) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // The probe is anonymous: it says what is wrong, not where the file lives.
        var data = new Dictionary<string, object>();
        var applied = new HashSet<string>();
        try
        {
            if (location.IsPostgreSql)
            {
                // A server, not a file: asking it is the check (the pool drops broken connections itself).
                await using var postgres = await dbFactory.CreateDbContextAsync(cancellationToken);
                applied.UnionWith(await postgres.Database.GetAppliedMigrationsAsync(cancellationToken));
                return Compare(postgres, applied, data);
            }
            await using var connection = new SqliteConnection(location.InMemory ? location.ConnectionString : location.ExistingFileConnectionString(pooling: false));
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT MigrationId FROM __EFMigrationsHistory";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) applied.Add(reader.GetString(0));
        }
        catch (Exception ex) when (ex is SqliteException or Npgsql.NpgsqlException)
        {
            return HealthCheckResult.Unhealthy($"The database cannot be read: {ex.Message}", data: data);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return Compare(db, applied, data);
    }

    private static HealthCheckResult Compare(PortalDbContext db, HashSet<string> applied, Dictionary<string, object> data)
    {
        var missing = db.Database.GetMigrations().Where(m => !applied.Contains(m)).ToList();
        data["migrations"] = applied.Count;
        return missing.Count == 0
            ? HealthCheckResult.Healthy("Reachable, schema up to date", data)
            : HealthCheckResult.Unhealthy($"{missing.Count} migration(s) not applied: {string.Join(", ", missing)}", data: data);
    }
}
