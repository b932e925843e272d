using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Auditing;
using Portal.Data;

namespace Portal.Identity;

/// <summary>Where a request comes from, for the audit trail.</summary>
public sealed record ClientInfo(string? Ip, string? UserAgent)
{
    public static ClientInfo From(HttpContext http) =>
        new(http.Connection.RemoteIpAddress?.ToString(), http.Request.Headers.UserAgent.ToString() is { Length: > 0 } ua ? ua : null);
}

/// <summary>
/// The person or token behind a request, with the teams they belong to as the database says
/// now (not as a cookie said at sign-in). Every authorization decision about a cluster asks it.
/// </summary>
public sealed record Caller(
    string UserId, string Name, bool IsAdmin, IReadOnlySet<string> Teams, IReadOnlySet<string> Scopes, Guid? TokenId, ClientInfo Client)
    : IBindableFromHttpContext<Caller>
{
    /// <summary>Binds a handler's <see cref="Caller"/> parameter: the caller of the request, resolved once per request.</summary>
    public static async ValueTask<Caller?> BindAsync(HttpContext context, System.Reflection.ParameterInfo parameter) => await context.CallerAsync();

    public bool CanSee(string team) => IsAdmin || Teams.Contains(team);

    public bool Has(string scope) => Scopes.Contains(scope);

    public AuditActor Actor => ReferenceEquals(this, Housekeeping)
        ? AuditActor.System
        : new(TokenId is null ? "user" : "token", UserId, Name, TokenId, Client.Ip, Client.UserAgent);

    /// <summary>The portal acting on its own, e.g. destroying a cluster whose time to live is over.</summary>
    public static readonly Caller Housekeeping = new("system", "portal", true, new HashSet<string>(), Api.Scopes.All.ToHashSet(), null, new ClientInfo(null, null));

    public static async Task<Caller?> FromAsync(ClaimsPrincipal principal, ClientInfo client, PortalDbContext db, CancellationToken cancellationToken)
    {
        if (principal.FindFirstValue(ClaimTypes.NameIdentifier) is not { } userId) return null;
        var teams = await TeamsAsync(db, userId, cancellationToken);
        var isAdmin = principal.IsInRole(PortalClaims.AdminRole);
        var tokenId = principal.FindFirstValue(PortalClaims.TokenId) is { } id ? Guid.Parse(id) : (Guid?)null;
        var scopes = tokenId is null
            ? Api.Scopes.For(isAdmin)
            : principal.FindAll(PortalClaims.Scope).Select(c => c.Value)
                .SelectMany(s => s == Api.Scopes.ClustersWrite ? [s, Api.Scopes.ClustersRead] : new[] { s });
        return new Caller(userId, principal.Identity?.Name ?? userId, isAdmin, teams, scopes.ToHashSet(), tokenId, client);
    }

    /// <summary>
    /// This caller with the teams, admin role and (for a person) scopes the database gives them at this moment.
    /// A page resolves its caller when it opens and may stay open for hours, while an admin takes the person out
    /// of a team or the admin role: every command asks this first and decides with the answer, as the API does.
    /// </summary>
    public async Task<Caller> NowAsync(PortalDbContext db, CancellationToken cancellationToken)
    {
        if (ReferenceEquals(this, Housekeeping)) return this;
        // A token acts as an admin only with the admin scope, and its scopes are the token's.
        var isAdmin = await IsAdminNowAsync(db, cancellationToken);
        return this with { IsAdmin = isAdmin, Teams = await TeamsAsync(db, UserId, cancellationToken), Scopes = TokenId is null ? Api.Scopes.For(isAdmin).ToHashSet() : Scopes };
    }

    private static async Task<IReadOnlySet<string>> TeamsAsync(PortalDbContext db, string userId, CancellationToken cancellationToken) =>
        (await db.TeamMemberships.AsNoTracking().Where(m => m.UserId == userId).Select(m => m.Team.Name).ToListAsync(cancellationToken)).ToHashSet();

    /// <summary>Whether the database holds the person in the admin role now, whatever a cookie issued at sign-in says.</summary>
    public static Task<bool> IsAdminAsync(PortalDbContext db, string userId, CancellationToken cancellationToken) =>
        (from ur in db.UserRoles
         join r in db.Roles on ur.RoleId equals r.Id
         where ur.UserId == userId && r.Name == PortalClaims.AdminRole
         select ur).AnyAsync(cancellationToken);

    /// <summary>Whether the caller acts as an admin now: the database holds the person in the admin role, and a token also carries the admin scope.</summary>
    public async Task<bool> IsAdminNowAsync(PortalDbContext db, CancellationToken cancellationToken) =>
        (TokenId is null || Has(Api.Scopes.Admin)) && await IsAdminAsync(db, UserId, cancellationToken);

    public static async Task<Caller?> FromAsync(HttpContext http, PortalDbContext db) =>
        await FromAsync(http.User, ClientInfo.From(http), db, http.RequestAborted);
}

public static class CallerExtensions
{
    /// <summary>The caller of this request, resolved once per request.</summary>
    public static async Task<Caller> CallerAsync(this HttpContext http)
    {
        if (http.Items[typeof(Caller)] is Caller cached) return cached;
        var db = http.RequestServices.GetRequiredService<PortalDbContext>();
        var caller = await Caller.FromAsync(http, db)
            ?? throw new InvalidOperationException("An endpoint that needs a caller was reached without authentication.");
        http.Items[typeof(Caller)] = caller;
        return caller;
    }
}
