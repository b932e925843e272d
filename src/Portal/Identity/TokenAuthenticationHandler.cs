using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Api;
using Portal.Data;

namespace Portal.Identity;

/// <summary>
/// Authenticates <c>Authorization: Bearer pat_…</c> against the stored token hashes. What a token's hash was found to be is kept in
/// <see cref="TokenPrincipalCache"/> for a short time, so that a request with a known token costs no database round trip.
/// </summary>
internal sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IDbContextFactory<PortalDbContext> dbFactory,
    TokenPrincipalCache cache,
    TimeProvider time) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Token";

    /// <summary>Last-used times are written at most this often per token, not on every request.</summary>
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        var value = header["Bearer ".Length..].Trim();
        if (!AccessTokens.LooksLikeToken(value)) return AuthenticateResult.Fail("The bearer token is not a personal access token.");

        var hash = AccessTokens.HashOf(value);
        var now = time.GetUtcNow();
        // The cache answers only for a token that has not expired: expiry is checked on every request, hit or not.
        var token = cache.Find(hash, now) ?? await ReadAsync(hash, now);
        // A sign-in lockout does not stop the owner's tokens: otherwise anyone could halt a team's automation by mistyping a password.
        if (token is null) return AuthenticateResult.Fail("The token is unknown, expired or revoked.");

        if (token.ClaimUse(now, LastUsedResolution))
        {
            await using var db = await dbFactory.CreateDbContextAsync(Context.RequestAborted);
            await db.PersonalAccessTokens.Where(t => t.Id == token.TokenId)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), Context.RequestAborted);
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, token.UserId),
            new(ClaimTypes.Name, token.UserName),
            new(PortalClaims.TokenId, token.TokenId.ToString()),
        };
        if (token.Scopes.Contains(Scopes.Admin)) claims.Add(new Claim(ClaimTypes.Role, PortalClaims.AdminRole));
        claims.AddRange(token.Scopes.Select(s => new Claim(PortalClaims.Scope, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    /// <summary>The live token with this hash as the database says now, cached unless a revocation or role change overtook the read.</summary>
    private async Task<CachedToken?> ReadAsync(string hash, DateTimeOffset now)
    {
        var generation = cache.Generation;
        await using var db = await dbFactory.CreateDbContextAsync(Context.RequestAborted);
        var token = await AccessTokens.FindActiveAsync(db, hash, now, Context.RequestAborted);
        if (token is null) return null;
        // Admin-only scopes count while the owner is an admin, and the admin role rides on the admin scope alone:
        // an admin's CI token with clusters:write is an ordinary member of the admin's teams.
        var isAdmin = await Caller.IsAdminAsync(db, token.UserId, Context.RequestAborted);
        var scopes = token.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Intersect(Scopes.For(isAdmin)).ToList();
        var found = new CachedToken(token.Id, token.UserId, token.User.UserName ?? token.UserId, scopes, token.ExpiresAt, token.LastUsedAt, now + cache.Duration);
        cache.Add(hash, found, generation);
        return found;
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        return AuthProblems.WriteAsync(Context, StatusCodes.Status401Unauthorized);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        AuthProblems.WriteAsync(Context, StatusCodes.Status403Forbidden);
}

/// <summary>401 and 403 as problem+json, for the token and the cookie scheme alike.</summary>
internal static class AuthProblems
{
    public static async Task WriteAsync(HttpContext http, int status)
    {
        http.Response.StatusCode = status;
        // RFC 9110 §11.6.1: a 401 names the scheme that would do; the API's is the bearer token, whichever handler refused.
        if (status == StatusCodes.Status401Unauthorized) http.Response.Headers.WWWAuthenticate = "Bearer";
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails =
            {
                Status = status,
                Type = ApiResults.ProblemTypeBase + (status == 401 ? "unauthenticated" : "forbidden"),
                Title = status == 401 ? "Unauthenticated" : "Forbidden",
                Detail = status == 401
                    ? "Sign in, or send a personal access token as 'Authorization: Bearer pat_…'."
                    : "You are signed in, but not allowed to do this (missing role or token scope).",
            },
        });
    }
}
