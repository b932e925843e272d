using System.ComponentModel.DataAnnotations;

namespace Portal.Backup;

/// <summary>Bound from <c>Backup</c>.</summary>
public sealed class BackupOptions
{
    /// <summary>Where <c>POST /api/v1/admin/backup</c> writes; relative to the content root. Put it on another disk than the data.</summary>
    [Required]
    public string Directory { get; set; } = "data/backups";
}
