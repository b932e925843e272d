using System.IO.Compression;
using Microsoft.Data.Sqlite;
using Portal.Data;

namespace Portal.Backup;

/// <summary>
/// A consistent copy of a running portal's state in one zip: <c>portal.db</c>, made by SQLite's
/// <c>VACUUM INTO</c> (a read transaction: writers go on meanwhile), and <c>keys/</c>, the Data
/// Protection keys without which the clusters' gossip keys in that database cannot be decrypted.
/// Restoring is unzipping into the data folder of a stopped portal (docs/operations.md).
/// </summary>
public static class PortalBackup
{
    public const string DatabaseEntry = "portal.db";
    public const string KeysFolder = "keys";

    /// <summary>Writes the backup to <paramref name="zipPath"/>, which must not exist yet.</summary>
    public static async Task WriteAsync(PortalDataLocation location, string zipPath, CancellationToken cancellationToken)
    {
        if (location.InMemory) throw new InvalidOperationException("An in-memory database cannot be backed up.");
        zipPath = Path.GetFullPath(zipPath);
        if (File.Exists(zipPath)) throw new IOException($"{zipPath} already exists; a backup never overwrites one.");
        var directory = Path.GetDirectoryName(zipPath)!;
        Directory.CreateDirectory(directory);

        var snapshot = Path.Combine(directory, $".{Path.GetFileName(zipPath)}.{Guid.NewGuid():N}.db");
        var partial = zipPath + ".partial";
        try
        {
            await using (var connection = new SqliteConnection(location.ExistingFileConnectionString(pooling: false)))
            {
                await connection.OpenAsync(cancellationToken);
                await using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA busy_timeout=10000; VACUUM INTO $target;";
                command.Parameters.AddWithValue("$target", snapshot);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var zip = await ZipFile.OpenAsync(partial, ZipArchiveMode.Create, cancellationToken))
            {
                await zip.CreateEntryFromFileAsync(snapshot, DatabaseEntry, CompressionLevel.Optimal, cancellationToken);
                if (location.KeysDirectory is { } keys && Directory.Exists(keys))
                    foreach (var key in Directory.EnumerateFiles(keys, "*.xml"))
                        await zip.CreateEntryFromFileAsync(key, $"{KeysFolder}/{Path.GetFileName(key)}", CompressionLevel.Optimal, cancellationToken);
            }
            // Only a complete backup gets the name asked for.
            File.Move(partial, zipPath);
        }
        finally
        {
            File.Delete(snapshot);
            File.Delete(partial);
        }
    }
}
