using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Portal.Identity;

/// <summary>
/// What <see cref="TokenAuthenticationHandler"/> found for a token hash: everything its principal is built from, and the token's
/// expiry, which is checked on every request. Teams are not in it: <see cref="Caller"/> reads them from the database per request.
/// </summary>
/// <param name="scopes">The token's scopes that count: the admin-only ones only while its owner was an admin.</param>
/// <param name="freshUntil">After this the entry is read again from the database: the bound on changes made by another process.</param>
public sealed class CachedToken(Guid tokenId, string userId, string userName, IReadOnlyList<string> scopes, DateTimeOffset expiresAt, DateTimeOffset? lastUsedAt,
    DateTimeOffset freshUntil)
{
    private long _lastUsedTicks = lastUsedAt?.UtcTicks ?? 0;

    public Guid TokenId { get; } = tokenId;
    public string UserId { get; } = userId;
    public string UserName { get; } = userName;
    public IReadOnlyList<string> Scopes { get; } = scopes;
    public DateTimeOffset ExpiresAt { get; } = expiresAt;
    public DateTimeOffset FreshUntil { get; } = freshUntil;

    /// <summary>
    /// Whether this request is the one that records the token's use: true at most once per <paramref name="resolution"/>,
    /// however many requests run at once, so a busy token costs one write a minute and a cache hit none in between.
    /// </summary>
    public bool ClaimUse(DateTimeOffset now, TimeSpan resolution)
    {
        var last = Interlocked.Read(ref _lastUsedTicks);
        return now.UtcTicks - last > resolution.Ticks && Interlocked.CompareExchange(ref _lastUsedTicks, now.UtcTicks, last) == last;
    }
}

/// <summary>
/// The tokens this process authenticated recently, by hash, for <c>Identity:TokenCacheDuration</c>, so that a request with a
/// known token costs no database round trip. Everything that changes what a token may do in this process forgets it at once:
/// revoking it (<see cref="TokenAdministration"/>) and a change of its owner's admin role (<see cref="OidcAccounts"/>,
/// <see cref="FirstAdminSetup"/>). A change made by another process is seen when the entry is no longer fresh, at most
/// the duration later; commands never rely on it, they re-read the caller (<see cref="Caller.NowAsync"/>).
/// Unknown, revoked and expired tokens are never cached: a flood of random ones would miss any cache, and requests whose token
/// does not authenticate are limited per address (<c>RateLimiting:AnonymousPermitsPerMinute</c>).
/// </summary>
public sealed class TokenPrincipalCache(IOptions<IdentitySettings> settings) : IDisposable
{
    /// <summary>
    /// Bounds memory whatever the number of live tokens; past it a token is simply read from the database each time.
    /// An entry is a few hundred bytes, so this is at most some tens of MB.
    /// </summary>
    private const int MaxEntries = 100_000;

    private readonly MemoryCache _entries = new(new MemoryCacheOptions { SizeLimit = MaxEntries });

    /// <summary>Counts the forgettings, so that an entry read from the database before one is not cached after it.</summary>
    private long _generation;

    public TimeSpan Duration => settings.Value.TokenCacheDuration;

    /// <summary>Taken before reading a token from the database and handed to <see cref="Add"/>.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>The fresh, unexpired entry for this hash, or null: then the database decides.</summary>
    public CachedToken? Find(string hash, DateTimeOffset now)
    {
        if (!_entries.TryGetValue(hash, out CachedToken? entry) || entry is null) return null;
        if (entry.ExpiresAt > now && entry.FreshUntil > now) return entry;
        _entries.Remove(hash);
        return null;
    }

    /// <param name="generation">What <see cref="Generation"/> said before the database was read.</param>
    public void Add(string hash, CachedToken entry, long generation)
    {
        if (Duration <= TimeSpan.Zero) return;
        _entries.Set(hash, entry, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = Duration, Size = 1 });
        // A revocation or role change committed while the database was read: what was read may be from before it.
        if (Generation != generation) _entries.Remove(hash);
    }

    /// <summary>After the revocation of these tokens is committed: the next request with any of them asks the database.</summary>
    public void ForgetTokens(IEnumerable<string> hashes)
    {
        Interlocked.Increment(ref _generation);
        foreach (var hash in hashes) _entries.Remove(hash);
    }

    /// <summary>After a change of the person's admin role is committed: the next request with any of their tokens asks the database.</summary>
    public void ForgetUser(string userId)
    {
        Interlocked.Increment(ref _generation);
        // Rare (a role change), and the cache holds only live tokens: a scan is cheaper than keeping an index per user.
        foreach (var key in _entries.Keys.ToList())
            if (_entries.TryGetValue(key, out CachedToken? entry) && entry?.UserId == userId) _entries.Remove(key);
    }

    public void Dispose() => _entries.Dispose();
}
