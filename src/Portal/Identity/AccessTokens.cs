using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Identity;

/// <summary>Creates and recognises personal access tokens: <c>pat_</c> + 32 random bytes, base64url.</summary>
public static class AccessTokens
{
    public const string Prefix = "pat_";
    private const int PrefixShown = 12;

    public static string NewToken() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string HashOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>What lists show so a person can tell tokens apart: "pat_AbC12345…".</summary>
    public static string Recognisable(string token) => token[..Math.Min(PrefixShown, token.Length)];

    public static bool LooksLikeToken(string? value) => value is { Length: >= 20 and <= 200 } && value.StartsWith(Prefix, StringComparison.Ordinal);

    public static PersonalAccessToken Create(string userId, string name, IEnumerable<string> scopes, DateTimeOffset now, DateTimeOffset expiresAt, string token,
        Guid? parentTokenId = null) => new()
    {
        UserId = userId,
        Name = name,
        Prefix = Recognisable(token),
        Hash = HashOf(token),
        Scopes = string.Join(' ', scopes.Distinct().Order()),
        CreatedAt = now,
        ExpiresAt = expiresAt,
        ParentTokenId = parentTokenId,
    };

    /// <summary>The live token with this hash (<see cref="HashOf"/>), or null if unknown, expired or revoked.</summary>
    public static Task<PersonalAccessToken?> FindActiveAsync(PortalDbContext db, string hash, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.PersonalAccessTokens.AsNoTracking().Include(t => t.User)
            .SingleOrDefaultAsync(t => t.Hash == hash && t.RevokedAt == null && t.ExpiresAt > now, cancellationToken);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
