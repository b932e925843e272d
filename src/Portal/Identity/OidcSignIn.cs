using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Auditing;
using Portal.Data;

namespace Portal.Identity;

/// <summary>
/// OpenID Connect as the enterprise option: people are created on first sign-in and their teams
/// follow the configured claim on every sign-in.
/// </summary>
internal static class OidcSignIn
{
    public const string Scheme = "oidc";

    public static void Configure(OpenIdConnectOptions options, OidcSettings settings)
    {
        options.Authority = settings.Authority;
        options.ClientId = settings.ClientId;
        options.ClientSecret = settings.ClientSecret;
        options.ResponseType = "code";
        options.SignInScheme = IdentityConstants.ExternalScheme;
        options.SaveTokens = false;
        options.MapInboundClaims = false;
        options.Scope.Add("email");
        options.Scope.Add("profile");
        options.CallbackPath = "/account/oidc-callback";
    }

    public static RouteGroupBuilder MapOidcEndpoints(this RouteGroupBuilder account)
    {
        account.MapPost("/external", (HttpContext http, SignInManager<PortalUser> signIn, [Microsoft.AspNetCore.Mvc.FromForm] string? returnUrl) =>
        {
            var properties = signIn.ConfigureExternalAuthenticationProperties(Scheme, $"/account/external-callback?returnUrl={Uri.EscapeDataString(LocalUrl(returnUrl))}");
            return TypedResults.Challenge(properties, [Scheme]);
        });
        account.MapGet("/external-callback", CallbackAsync);
        return account;
    }

    private static async Task<IResult> CallbackAsync(
        HttpContext http, string? returnUrl, SignInManager<PortalUser> signIn, UserManager<PortalUser> users,
        PortalDbContext db, AuditLog audit, IOptions<OidcSettings> settings, TimeProvider time)
    {
        var info = await signIn.GetExternalLoginInfoAsync();
        var client = ClientInfo.From(http);
        if (info?.Principal.FindFirstValue("email") is not { Length: > 0 } email)
        {
            await audit.WriteAsync(db, new AuditActor("anonymous", null, null, null, client.Ip, client.UserAgent), new AuditRecord("signin.failure", "user", null, "failure", Details: new { method = "oidc", reason = "no email claim" }));
            return TypedResults.Redirect("/account/login?error=external");
        }
        var user = await users.FindByLoginAsync(info.LoginProvider, info.ProviderKey) ?? await users.FindByEmailAsync(email);
        if (user is null)
        {
            user = new PortalUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = info.Principal.FindFirstValue("name"), CreatedAt = time.GetUtcNow() };
            await users.CreateAsync(user);
        }
        if ((await users.GetLoginsAsync(user)).All(l => l.LoginProvider != info.LoginProvider)) await users.AddLoginAsync(user, info);

        var teams = info.Principal.FindAll(settings.Value.TeamsClaim).Select(c => c.Value).ToHashSet();
        await SyncTeamsAsync(db, user, teams, time.GetUtcNow());
        if (settings.Value.AdminTeam is { } adminTeam && teams.Contains(adminTeam) && !await users.IsInRoleAsync(user, PortalClaims.AdminRole))
            await users.AddToRoleAsync(user, PortalClaims.AdminRole);

        await signIn.SignInAsync(user, isPersistent: false, info.LoginProvider);
        await http.SignOutAsync(IdentityConstants.ExternalScheme);
        await audit.WriteAsync(db, new AuditActor("user", user.Id, user.Email, null, client.Ip, client.UserAgent), new AuditRecord("signin.success", "user", user.Email, Details: new { method = "oidc" }));
        return TypedResults.LocalRedirect(LocalUrl(returnUrl));
    }

    /// <summary>Memberships follow the identity provider: teams named in the claim are joined, others left.</summary>
    private static async Task SyncTeamsAsync(PortalDbContext db, PortalUser user, IReadOnlySet<string> teams, DateTimeOffset now)
    {
        var known = await db.Teams.Where(t => teams.Contains(t.Name)).ToListAsync();
        foreach (var name in teams.Except(known.Select(t => t.Name)).Where(n => n.Length <= 64))
        {
            var team = new Team { Name = name, DisplayName = name, CreatedAt = now };
            db.Teams.Add(team);
            known.Add(team);
        }
        var memberships = await db.TeamMemberships.Where(m => m.UserId == user.Id).ToListAsync();
        db.TeamMemberships.RemoveRange(memberships.Where(m => known.All(t => t.Id != m.TeamId)));
        foreach (var team in known.Where(t => memberships.All(m => m.TeamId != t.Id)))
            db.TeamMemberships.Add(new TeamMembership { TeamId = team.Id, UserId = user.Id, Role = TeamRole.Member });
        await db.SaveChangesAsync();
    }

    /// <summary>
    /// A return address that stays on this portal, else "/". Only visible ASCII: a Location header with anything
    /// else (é, a tab, U+202E) answers 500 or lands elsewhere than it reads. The portal's own links are percent-encoded.
    /// </summary>
    internal static string LocalUrl(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
        && url.All(c => c is > ' ' and <= '~') ? url : "/";
}
