using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Auditing;

/// <summary>The filters of the audit views, shared by the admin page, the API and the exports.</summary>
public sealed record AuditFilter(
    string? Actor = null, string? Team = null, string? Action = null, string? Target = null,
    DateTimeOffset? From = null, DateTimeOffset? To = null, string? Q = null)
{
    public IQueryable<AuditEntry> Apply(IQueryable<AuditEntry> entries)
    {
        if (!string.IsNullOrWhiteSpace(Actor)) entries = entries.Where(e => e.ActorName!.Contains(Actor) || e.ActorId == Actor);
        if (!string.IsNullOrWhiteSpace(Team)) entries = entries.Where(e => e.Team == Team);
        if (!string.IsNullOrWhiteSpace(Action)) entries = entries.Where(e => e.Action.StartsWith(Action));
        if (!string.IsNullOrWhiteSpace(Target)) entries = entries.Where(e => e.TargetId!.Contains(Target));
        if (From is { } from) entries = entries.Where(e => e.Timestamp >= from);
        if (To is { } to) entries = entries.Where(e => e.Timestamp <= to);
        if (!string.IsNullOrWhiteSpace(Q))
            entries = entries.Where(e => e.Action.Contains(Q) || e.ActorName!.Contains(Q) || e.TargetId!.Contains(Q)
                || e.DetailsJson!.Contains(Q) || e.ActorIp!.Contains(Q) || e.Team!.Contains(Q));
        return entries;
    }
}

public sealed record AuditEntryView(
    long Id, DateTimeOffset Timestamp, string ActorType, string? ActorId, string? ActorName, Guid? TokenId, string? ActorIp,
    string? UserAgent, string? Team, string Action, string? TargetType, string? TargetId, string Outcome, string? Details, string Hash)
{
    public static AuditEntryView From(AuditEntry e) => new(e.Id, e.Timestamp, e.ActorType, e.ActorId, e.ActorName, e.TokenId, e.ActorIp,
        e.UserAgent, e.Team, e.Action, e.TargetType, e.TargetId, e.Outcome, e.DetailsJson, e.Hash);
}

public sealed record AuditPage(IReadOnlyList<AuditEntryView> Items, long Total, string? Next);

/// <summary>The reads of the audit trail, shared by the API and the admin page: they search, page and verify it the same way.</summary>
public sealed class AuditQuery(IDbContextFactory<PortalDbContext> dbFactory)
{
    public const int MaxPageSize = 500;

    /// <summary>Newest first; <paramref name="before"/> is the cursor (an entry id) from the previous page.</summary>
    public async Task<AuditPage> PageAsync(AuditFilter filter, long? before, int limit, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = filter.Apply(db.AuditEntries.AsNoTracking());
        var total = await query.LongCountAsync(cancellationToken);
        if (before is { } cursor) query = query.Where(e => e.Id < cursor);
        var rows = await query.OrderByDescending(e => e.Id).Take(limit + 1).ToListAsync(cancellationToken);
        var next = rows.Count > limit ? rows[limit - 1].Id.ToString() : null;
        return new AuditPage(rows.Take(limit).Select(AuditEntryView.From).ToList(), total, next);
    }

    /// <summary>Every entry the filter keeps, oldest first, streamed rather than loaded: an export may hold the whole trail.</summary>
    public async IAsyncEnumerable<AuditEntryView> ExportAsync(AuditFilter filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await foreach (var entry in filter.Apply(db.AuditEntries.AsNoTracking()).OrderBy(e => e.Id).AsAsyncEnumerable().WithCancellation(cancellationToken))
            yield return AuditEntryView.From(entry);
    }

    /// <inheritdoc cref="AuditVerifier.VerifyAsync"/>
    public async Task<ChainVerification> VerifyAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await AuditVerifier.VerifyAsync(db, cancellationToken);
    }
}
