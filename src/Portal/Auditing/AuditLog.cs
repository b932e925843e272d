using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Portal.Data;

namespace Portal.Auditing;

/// <summary>Who is acting, as the audit trail records it.</summary>
public sealed record AuditActor(string Type, string? Id, string? Name, Guid? TokenId, string? Ip, string? UserAgent)
{
    public static readonly AuditActor System = new("system", null, "portal", null, null, null);
}

/// <summary>What to record; the log adds time, actor and the hash chain.</summary>
public sealed record AuditRecord(string Action, string? TargetType, string? TargetId, string Outcome = "success", string? Team = null, object? Details = null)
{
    /// <summary>An attempt on something that does not exist or is not the caller's to see: both get the same answer and the same record.</summary>
    public static AuditRecord NotVisible(string action, string targetType, string targetId) =>
        new(action, targetType, targetId, "denied", Details: new { reason = "not found or not visible" });
}

/// <summary>
/// Appends to the hash-chained audit trail inside the caller's transaction, so an entry exists
/// exactly when the change it describes does. Appends are serialised in-process and, on PostgreSQL,
/// across replicas by an advisory lock the transaction holds until it ends; the unique index on
/// <see cref="AuditEntry.PreviousHash"/> guards against forks from anything else (the backup verb beside a SQLite portal).
/// The lock also serialises the commands themselves, as SQLite's single writer does: the checks a command makes
/// after <see cref="BeginAsync"/> (a free name, a free VPC range) still hold when it commits.
/// </summary>
public sealed class AuditLog(TimeProvider time)
{
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The advisory lock key of the chain on PostgreSQL ("PortalAu" in ASCII): any fixed number the portal alone uses.</summary>
    private const long ChainLock = 0x506F7274616C4175;

    /// <summary>Opens a transaction in which <see cref="Add"/> may be called; dispose it to release the chain.</summary>
    public async Task<AuditScope> BeginAsync(PortalDbContext db, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (db.Database.IsNpgsql())
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({ChainLock})", cancellationToken);
            var last = await db.AuditEntries.AsNoTracking().OrderByDescending(e => e.Id).Select(e => e.Hash).FirstOrDefaultAsync(cancellationToken);
            return new AuditScope(this, db, transaction, last ?? Genesis);
        }
        catch
        {
            _gate.Release();
            throw;
        }
    }

    /// <summary>Records one action on its own, e.g. a denial or a sign-in.</summary>
    public async Task WriteAsync(PortalDbContext db, AuditActor actor, AuditRecord record, CancellationToken cancellationToken = default)
    {
        await using var scope = await BeginAsync(db, cancellationToken);
        scope.Add(actor, record);
        await scope.CommitAsync(cancellationToken);
    }

    internal AuditEntry Create(AuditActor actor, AuditRecord record, string previousHash)
    {
        // Stored times keep whole milliseconds; hash exactly what is stored.
        var now = time.GetUtcNow();
        var entry = new AuditEntry
        {
            Timestamp = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero),
            ActorType = actor.Type,
            ActorId = actor.Id,
            ActorName = actor.Name,
            TokenId = actor.TokenId,
            ActorIp = actor.Ip,
            UserAgent = actor.UserAgent is { Length: > 512 } ua ? ua[..512] : actor.UserAgent,
            Team = record.Team,
            Action = record.Action,
            TargetType = record.TargetType,
            TargetId = record.TargetId,
            Outcome = record.Outcome,
            DetailsJson = record.Details is null ? null : JsonSerializer.Serialize(record.Details, PortalJson.Options),
            PreviousHash = previousHash,
            Hash = "",
        };
        entry.Hash = HashOf(entry);
        return entry;
    }

    /// <summary>SHA-256 over every recorded field and the previous hash, in a fixed, unambiguous layout.</summary>
    public static string HashOf(AuditEntry e)
    {
        string[] fields =
        [
            e.PreviousHash, e.Timestamp.UtcTicks.ToString(CultureInfo.InvariantCulture), e.ActorType, e.ActorId ?? "", e.ActorName ?? "",
            e.TokenId?.ToString() ?? "", e.ActorIp ?? "", e.UserAgent ?? "", e.Team ?? "", e.Action, e.TargetType ?? "",
            e.TargetId ?? "", e.Outcome, e.DetailsJson ?? "",
        ];
        // Length-prefixing makes "a|b" and "a" + "|b" hash differently.
        var canonical = string.Concat(fields.Select(f => $"{f.Length}:{f};"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    internal void Release() => _gate.Release();
}

public sealed class AuditScope(AuditLog log, PortalDbContext db, IDbContextTransaction transaction, string lastHash) : IAsyncDisposable
{
    private string _lastHash = lastHash;
    private bool _released;

    public void Add(AuditActor actor, AuditRecord record)
    {
        var entry = log.Create(actor, record, _lastHash);
        db.AuditEntries.Add(entry);
        _lastHash = entry.Hash;
    }

    /// <summary>Saves the change and its audit entries together.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        if (_released) return;
        _released = true;
        log.Release();
    }
}
