using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Portal.Data;

namespace Portal.Backup;

/// <summary>
/// A consistent copy of a running portal's state in one zip: <c>portal.db</c>, made by SQLite's
/// <c>VACUUM INTO</c> (a read transaction: writers go on meanwhile), and <c>keyring.enc</c>, the Data
/// Protection keys without which the clusters' secrets in that database cannot be decrypted, encrypted
/// with <c>Backup:Passphrase</c> (<see cref="KeyRingEncryption"/>). Every file it writes is readable by
/// the portal's user only. Restoring is <see cref="RestoreAsync"/> into the data folder of a stopped portal (docs/operations.md).
/// </summary>
public static partial class PortalBackup
{
    public const string DatabaseEntry = "portal.db";
    public const string KeyRingEntry = "keyring.enc";

    /// <summary>rw------- : the zip holds the whole database; the keys are encrypted, the rest (audit trail, accounts) is not.</summary>
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = OwnerOnly | UnixFileMode.UserExecute;

    /// <summary>The name the admin API and the verb without a file give a backup; retention deletes only files named so.</summary>
    public static string NewFileName(DateTimeOffset now) => $"portal-{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..6]}.zip";

    /// <summary>Writes the backup to <paramref name="zipPath"/>, which must not exist yet.</summary>
    public static async Task WriteAsync(PortalDataLocation location, string zipPath, string passphrase, CancellationToken cancellationToken)
    {
        if (location.InMemory) throw new InvalidOperationException("An in-memory database cannot be backed up.");
        ArgumentException.ThrowIfNullOrEmpty(passphrase);
        zipPath = Path.GetFullPath(zipPath);
        if (File.Exists(zipPath)) throw new IOException($"{zipPath} already exists; a backup never overwrites one.");
        var directory = Path.GetDirectoryName(zipPath)!;
        CreateDirectory(directory);
        var keyRing = KeyRingEncryption.Encrypt(await ReadKeysAsync(location, cancellationToken), passphrase);

        var snapshot = Path.Combine(directory, $".{Path.GetFileName(zipPath)}.{Guid.NewGuid():N}.db");
        var partial = zipPath + ".partial";
        try
        {
            // VACUUM INTO fills an empty file it finds, keeping its mode: the copy is never readable by others, not even for a moment.
            CreateOwnerOnly(snapshot).Dispose();
            await using (var connection = new SqliteConnection(location.ExistingFileConnectionString(pooling: false)))
            {
                await connection.OpenAsync(cancellationToken);
                await using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA busy_timeout=10000; VACUUM INTO $target;";
                command.Parameters.AddWithValue("$target", snapshot);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var file = CreateOwnerOnly(partial))
            await using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
            {
                await zip.CreateEntryFromFileAsync(snapshot, DatabaseEntry, CompressionLevel.Optimal, cancellationToken);
                await using var entry = await zip.CreateEntry(KeyRingEntry, CompressionLevel.NoCompression).OpenAsync(cancellationToken);
                await entry.WriteAsync(keyRing, cancellationToken);
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

    /// <summary>
    /// Restores a backup into the data folder of a stopped portal: <c>portal.db</c> and the decrypted keys in
    /// <c>keys/</c>. Refuses, changing nothing, when the passphrase is wrong or state is still there to be moved aside.
    /// </summary>
    public static async Task RestoreAsync(PortalDataLocation location, string zipPath, string passphrase, CancellationToken cancellationToken)
    {
        if (location.InMemory || location.KeysDirectory is not { } keysDirectory) throw new InvalidOperationException("Restore needs a database file with a data folder.");
        ArgumentException.ThrowIfNullOrEmpty(passphrase);
        var leftovers = new[] { location.DatabasePath, location.DatabasePath + "-wal", location.DatabasePath + "-shm" }.Where(File.Exists)
            .Concat(Directory.Exists(keysDirectory) ? Directory.EnumerateFiles(keysDirectory, "*.xml") : []).ToList();
        if (leftovers.Count > 0)
            throw new IOException($"Move the old state aside first (docs/operations.md, Restore): {string.Join(", ", leftovers)} exists.");

        await using var zip = await ZipFile.OpenReadAsync(zipPath, cancellationToken);
        var database = zip.GetEntry(DatabaseEntry) ?? throw new InvalidDataException($"{zipPath} has no {DatabaseEntry}: it is not a portal backup.");
        var sealedKeys = zip.GetEntry(KeyRingEntry) ?? throw new InvalidDataException($"{zipPath} has no {KeyRingEntry}: it is not a backup of this portal version.");
        using var buffer = new MemoryStream();
        await using (var stream = await sealedKeys.OpenAsync(cancellationToken)) await stream.CopyToAsync(buffer, cancellationToken);
        var keys = KeyRingEncryption.Decrypt(buffer.ToArray(), passphrase); // before anything is written

        CreateDirectory(Path.GetDirectoryName(location.DatabasePath)!);
        CreateDirectory(keysDirectory);
        var partial = location.DatabasePath + ".partial";
        try
        {
            await using (var file = CreateOwnerOnly(partial))
            await using (var stream = await database.OpenAsync(cancellationToken))
                await stream.CopyToAsync(file, cancellationToken);
            foreach (var key in keys)
            {
                await using var file = CreateOwnerOnly(Path.Combine(keysDirectory, Path.GetFileName(key.Name)));
                await file.WriteAsync(Encoding.UTF8.GetBytes(key.Xml), cancellationToken);
            }
            File.Move(partial, location.DatabasePath);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    /// <summary>Deletes the oldest backups the portal named (<see cref="NewFileName"/>) in <paramref name="directory"/> beyond the newest <paramref name="keep"/>.</summary>
    public static IReadOnlyList<string> Prune(string directory, int keep)
    {
        // The name starts with the UTC time to the second, the write time breaks ties; files named otherwise are the operator's and stay.
        var expired = Directory.EnumerateFiles(directory, "portal-*.zip").Where(path => OwnName().IsMatch(Path.GetFileName(path)))
            .OrderBy(path => Path.GetFileName(path)[..23], StringComparer.Ordinal).ThenBy(File.GetLastWriteTimeUtc)
            .SkipLast(keep).ToList();
        foreach (var path in expired) File.Delete(path);
        return expired.Select(Path.GetFileName).OfType<string>().ToList();
    }

    private static async Task<List<KeyRingEncryption.KeyFile>> ReadKeysAsync(PortalDataLocation location, CancellationToken cancellationToken)
    {
        var keys = new List<KeyRingEncryption.KeyFile>();
        if (location.KeysDirectory is { } directory && Directory.Exists(directory))
            foreach (var key in Directory.EnumerateFiles(directory, "*.xml").Order(StringComparer.Ordinal))
                keys.Add(new(Path.GetFileName(key), await File.ReadAllTextAsync(key, cancellationToken)));
        return keys;
    }

    private static FileStream CreateOwnerOnly(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly;
        return new FileStream(path, options);
    }

    private static void CreateDirectory(string path)
    {
        if (Directory.Exists(path)) return;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
        else Directory.CreateDirectory(path, OwnerOnlyDirectory);
    }

    [GeneratedRegex(@"^portal-\d{8}T\d{6}Z-[0-9a-f]{6}\.zip$")]
    private static partial Regex OwnName();
}
