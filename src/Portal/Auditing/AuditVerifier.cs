using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Auditing;

/// <summary>The result of walking the chain: intact, or broken at the first entry that does not fit.</summary>
public sealed record ChainVerification(bool Verified, long Entries, long? BrokenAtId, string? Reason);

public static class AuditVerifier
{
    public static async Task<ChainVerification> VerifyAsync(PortalDbContext db, CancellationToken cancellationToken)
    {
        var previous = AuditLog.Genesis;
        long count = 0;
        await foreach (var entry in db.AuditEntries.AsNoTracking().OrderBy(e => e.Id).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            count++;
            if (entry.PreviousHash != previous)
                return new(false, count, entry.Id, $"Entry {entry.Id} does not follow the entry before it: one was removed or reordered.");
            if (AuditLog.HashOf(entry) != entry.Hash)
                return new(false, count, entry.Id, $"Entry {entry.Id} was changed after it was written.");
            previous = entry.Hash;
        }
        return new(true, count, null, null);
    }
}
