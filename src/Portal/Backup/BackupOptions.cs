namespace Portal.Backup;

/// <summary>Bound from <c>Backup</c>.</summary>
public sealed class BackupOptions
{
    /// <summary>
    /// Where <c>POST /api/v1/admin/backup</c> writes: relative to the content root, or absolute.
    /// Empty: a <c>backups</c> folder beside the database. Better on another disk than the data.
    /// </summary>
    public string Directory { get; set; } = "";

    public string Resolve(string contentRoot, string databasePath) =>
        string.IsNullOrWhiteSpace(Directory)
            ? Path.Combine(Path.GetDirectoryName(databasePath) ?? contentRoot, "backups")
            : Path.Combine(contentRoot, Directory);
}
