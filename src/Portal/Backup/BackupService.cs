using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Api;
using Portal.Auditing;
using Portal.Clusters;
using Portal.Data;

namespace Portal.Backup;

/// <summary>The backup's file name (in <c>Backup:Directory</c>, or the path the verb was given) and its size.</summary>
public sealed record BackupView(string File, long Bytes);

/// <summary>
/// Takes a backup for the admin API and the <c>backup</c> verb: only with <c>Backup:Passphrase</c> set, audited
/// (<c>admin.backup</c>, refusals too), and in <c>Backup:Directory</c> followed by retention (<c>Backup:KeepLast</c>).
/// Who may ask is decided before: the admin policy for the API, access to the machine for the verb.
/// </summary>
public sealed class BackupService(
    PortalDataLocation location, IOptions<BackupOptions> options, IHostEnvironment environment,
    IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, TimeProvider time)
{
    public const string Action = "admin.backup";
    private const int AuditAttempts = 3;

    /// <param name="target">A file the operator named (the verb); null for a new file in <c>Backup:Directory</c>, after which the oldest beyond <c>Backup:KeepLast</c> go.</param>
    public async Task<CommandResult<BackupView>> TakeAsync(AuditActor actor, string? target, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (location.IsPostgreSql)
        {
            await AuditAsync(actor, new AuditRecord(Action, "backup", target, "failure", Details: new { reason = "the database is PostgreSQL" }), cancellationToken);
            return CommandResult<BackupView>.Conflict(
                "The portal's database is PostgreSQL: back it up with pg_dump or the server's continuous archiving (docs/scaling.md); the key ring is in the database too.");
        }
        if (string.IsNullOrEmpty(settings.Passphrase))
        {
            await AuditAsync(actor, new AuditRecord(Action, "backup", target, "failure", Details: new { reason = "Backup:Passphrase is not set" }), cancellationToken);
            return CommandResult<BackupView>.Conflict(
                "Backup:Passphrase is not set: the key ring inside a backup is encrypted with it, and a restore needs it. Set it (Backup__Passphrase) and try again.");
        }
        var directory = settings.Resolve(environment.ContentRootPath, location.DatabasePath);
        var path = Path.GetFullPath(target ?? Path.Combine(directory, PortalBackup.NewFileName(time.GetUtcNow())));
        await PortalBackup.WriteAsync(location, path, settings.Passphrase, cancellationToken);
        var pruned = target is null ? PortalBackup.Prune(directory, settings.KeepLast) : [];
        var backup = new BackupView(target is null ? Path.GetFileName(path) : path, new FileInfo(path).Length);
        await AuditAsync(actor, new AuditRecord(Action, "backup", backup.File, Details: new { backup.Bytes, pruned }), cancellationToken);
        return CommandResult<BackupView>.Ok(backup);
    }

    /// <summary>The verb runs beside a live portal: when both append at once, the chain's unique index refuses one, which tries again.</summary>
    private async Task AuditAsync(AuditActor actor, AuditRecord record, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
                await audit.WriteAsync(db, actor, record, cancellationToken);
                return;
            }
            catch (DbUpdateException) when (attempt < AuditAttempts) { }
        }
    }
}
