using System.ComponentModel.DataAnnotations;

namespace Portal.Backup;

/// <summary>Bound from <c>Backup</c>.</summary>
public sealed class BackupOptions
{
    /// <summary>
    /// Where <c>POST /api/v1/admin/backup</c> and <c>dotnet Portal.dll backup</c> without a file write: relative to the
    /// content root, or absolute. Empty: a <c>backups</c> folder beside the database. Better on another disk than the data.
    /// </summary>
    public string Directory { get; set; } = "";

    /// <summary>
    /// Encrypts the Data Protection key ring inside every backup; without it no backup is taken, and a restore needs
    /// the same one. A secret: give it through the environment (<c>Backup__Passphrase</c>), never in appsettings.json.
    /// </summary>
    [MinLength(16, ErrorMessage = "Backup:Passphrase must be at least 16 characters: it is all that protects the key ring inside a backup.")]
    public string? Passphrase { get; set; }

    /// <summary>How many backups the portal keeps in <see cref="Directory"/>: after each one it writes there, older ones it named are deleted.</summary>
    [Range(1, 10_000, ErrorMessage = "Backup:KeepLast must be between {1} and {2}.")]
    public int KeepLast { get; set; } = 14;

    public string Resolve(string contentRoot, string databasePath) =>
        string.IsNullOrWhiteSpace(Directory)
            ? Path.Combine(Path.GetDirectoryName(databasePath) ?? contentRoot, "backups")
            : Path.Combine(contentRoot, Directory);
}
