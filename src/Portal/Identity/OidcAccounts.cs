using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Api;
using Portal.Auditing;
using Portal.Data;

namespace Portal.Identity;

/// <summary>What the identity provider says about a person, from the ID token and userinfo together.</summary>
public sealed record ExternalIdentity(string Issuer, string Subject, string? Email, bool EmailVerified, string? Name, IReadOnlyList<string> Groups)
{
    /// <summary>Null when the principal has no subject: then it did not come from a validated ID token.</summary>
    public static ExternalIdentity? From(ClaimsPrincipal principal, string teamsClaim)
    {
        // The subject comes from the validated ID token, and its claim keeps that token's issuer.
        if (principal.FindFirst("sub") is not { Value.Length: > 0 } subject) return null;
        var verified = bool.TryParse(principal.FindFirstValue("email_verified"), out var v) && v;
        return new ExternalIdentity(subject.Issuer, subject.Value, NullIfEmpty(principal.FindFirstValue("email")), verified,
            NullIfEmpty(principal.FindFirstValue("name")), principal.FindAll(teamsClaim).Select(c => c.Value).Distinct().ToList());
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>The account a sign-in lands in, or the code of the message the sign-in page shows instead.</summary>
public sealed record OidcSignInResult(PortalUser? User, string? Error);

/// <summary>
/// Turns an identity-provider sign-in into a portal account. The account is the one linked to the
/// provider's issuer and subject (AspNetUserLogins); an email alone never selects an account. Teams
/// and the admin role then follow the claim, both ways, and every change is audited.
/// </summary>
public sealed class OidcAccounts(
    UserManager<PortalUser> users, PortalDbContext db, AuditLog audit, TokenPrincipalCache tokens, IOptions<OidcSettings> settings, TimeProvider time,
    ILogger<OidcAccounts> logger)
{
    public async Task<OidcSignInResult> SignInAsync(ExternalIdentity identity, ClientInfo client, CancellationToken cancellationToken)
    {
        Refusal? refusal = null;
        await using (var scope = await audit.BeginAsync(db, cancellationToken))
        {
            var user = await users.FindByLoginAsync(identity.Issuer, identity.Subject);
            if (user is null) (user, refusal) = await FirstSignInAsync(scope, identity, client);
            if (user is not null)
            {
                var actor = new AuditActor("user", user.Id, user.Email, null, client.Ip, client.UserAgent);
                await SyncTeamsAsync(scope, actor, user, identity, cancellationToken);
                var adminChanged = await SyncAdminAsync(scope, actor, user, identity);
                await scope.CommitAsync(cancellationToken);
                // The person's tokens carry the admin scope only while they are an admin; teams are not cached.
                if (adminChanged) tokens.ForgetUser(user.Id);
                return new OidcSignInResult(user, null);
            }
        }
        // Refused: nothing above was committed; the refusal is recorded on its own.
        await audit.WriteAsync(db, new AuditActor("anonymous", null, identity.Email, null, client.Ip, client.UserAgent),
            new AuditRecord("signin.failure", "user", identity.Email, "failure", Details: new { method = "oidc", reason = refusal!.Reason, issuer = identity.Issuer, emailVerified = identity.EmailVerified }),
            cancellationToken);
        return new OidcSignInResult(null, refusal.Error);
    }

    /// <summary>Why a sign-in is refused: <see cref="Error"/> picks the sign-in page's message, <see cref="Reason"/> is audited.</summary>
    private sealed record Refusal(string Error, string Reason);

    private static readonly Refusal NoEmail = new(OidcSignIn.NoEmailError, "the identity provider sent no email claim");
    private static readonly Refusal EmailTaken = new(OidcSignIn.EmailTakenError, "the email belongs to an existing account, which is not linked to this identity-provider login");
    private static Refusal Failed(string reason) => new(OidcSignIn.FailedError, reason);

    /// <summary>
    /// No account has this issuer and subject yet. A new person gets a new account; an email that
    /// already has one is linked only when the provider verified it and linking is switched on.
    /// </summary>
    private async Task<(PortalUser? User, Refusal? Refusal)> FirstSignInAsync(AuditScope scope, ExternalIdentity identity, ClientInfo client)
    {
        if (identity.Email is not { } email) return (null, NoEmail);
        var login = new UserLoginInfo(identity.Issuer, identity.Subject, settings.Value.DisplayName);
        var details = new { method = "oidc", issuer = identity.Issuer, emailVerified = identity.EmailVerified };
        if (await users.FindByEmailAsync(email) is { } existing)
        {
            if (!identity.EmailVerified || !settings.Value.LinkVerifiedEmail) return (null, EmailTaken);
            if (!(await users.AddLoginAsync(existing, login)).Succeeded) return (null, Failed("the login could not be linked"));
            scope.Add(new AuditActor("user", existing.Id, existing.Email, null, client.Ip, client.UserAgent), new AuditRecord("user.login.link", "user", existing.Email, Details: details));
            return (existing, null);
        }

        var user = new PortalUser { UserName = email, Email = email, EmailConfirmed = identity.EmailVerified, DisplayName = identity.Name, CreatedAt = time.GetUtcNow() };
        var created = await users.CreateAsync(user);
        if (!created.Succeeded) return (null, Failed($"the account cannot be created: {string.Join(" ", created.Errors.Select(e => e.Description))}"));
        if (!(await users.AddLoginAsync(user, login)).Succeeded) return (null, Failed("the login could not be linked"));
        scope.Add(new AuditActor("user", user.Id, email, null, client.Ip, client.UserAgent), new AuditRecord("user.create", "user", email, Details: details));
        return (user, null);
    }

    /// <summary>Memberships follow the claim: teams it names are joined (and created if new), all others left.</summary>
    private async Task SyncTeamsAsync(AuditScope scope, AuditActor actor, PortalUser user, ExternalIdentity identity, CancellationToken cancellationToken)
    {
        var wanted = new Dictionary<string, string>(StringComparer.Ordinal); // slug → the group it came from
        foreach (var mapping in identity.Groups.Select(OidcGroups.ToTeam))
        {
            if (mapping.Team is null)
                logger.LogWarning("The group '{Group}' in the {Claim} claim of {Email} is ignored: {Reason}", mapping.Group, settings.Value.TeamsClaim, user.Email, mapping.Refusal);
            else wanted.TryAdd(mapping.Team, mapping.Group);
        }

        var teams = await db.Teams.Where(t => wanted.Keys.Contains(t.Name)).ToListAsync(cancellationToken);
        foreach (var (name, group) in wanted.Where(w => teams.All(t => t.Name != w.Key)).OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            var team = new Team { Name = name, DisplayName = DisplayNameOf(group, name), CreatedAt = time.GetUtcNow() };
            db.Teams.Add(team);
            teams.Add(team);
            scope.Add(actor, new AuditRecord("team.create", "team", name, Team: name, Details: new { displayName = team.DisplayName, source = "oidc" }));
        }

        var memberships = await db.TeamMemberships.Include(m => m.Team).Where(m => m.UserId == user.Id).ToListAsync(cancellationToken);
        foreach (var team in teams.Where(t => memberships.All(m => m.TeamId != t.Id)).OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            db.TeamMemberships.Add(new TeamMembership { TeamId = team.Id, UserId = user.Id, Role = TeamRole.Member });
            scope.Add(actor, new AuditRecord("team.member.add", "team", team.Name, Team: team.Name, Details: new { member = user.Email, role = TeamRole.Member, source = "oidc" }));
        }
        foreach (var membership in memberships.Where(m => !wanted.ContainsKey(m.Team.Name)).OrderBy(m => m.Team.Name, StringComparer.Ordinal))
        {
            db.TeamMemberships.Remove(membership);
            scope.Add(actor, new AuditRecord("team.member.remove", "team", membership.Team.Name, Team: membership.Team.Name, Details: new { member = user.Email, source = "oidc" }));
        }
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>With an admin team configured, the admin role is exactly membership of it: granted and taken away. True when it changed.</summary>
    private async Task<bool> SyncAdminAsync(AuditScope scope, AuditActor actor, PortalUser user, ExternalIdentity identity)
    {
        if (string.IsNullOrWhiteSpace(settings.Value.AdminTeam)) return false; // the claim says nothing about admins
        var adminTeam = OidcGroups.ToTeam(settings.Value.AdminTeam).Team!; // valid: checked at startup
        var shouldBe = identity.Groups.Any(g => OidcGroups.ToTeam(g).Team == adminTeam);
        if (shouldBe == await users.IsInRoleAsync(user, PortalClaims.AdminRole)) return false;
        var changed = shouldBe ? await users.AddToRoleAsync(user, PortalClaims.AdminRole) : await users.RemoveFromRoleAsync(user, PortalClaims.AdminRole);
        if (!changed.Succeeded)
            throw new InvalidOperationException($"Changing the admin role of {user.Email} failed: {string.Join(" ", changed.Errors.Select(e => e.Description))}");
        scope.Add(actor, new AuditRecord(shouldBe ? "user.admin.grant" : "user.admin.revoke", "user", user.Email, Details: new { adminTeam, source = "oidc" }));
        return true;
    }

    /// <summary>The group as people know it, unless it is too long or holds control or formatting (bidi) characters.</summary>
    private static string DisplayNameOf(string group, string slug)
    {
        var trimmed = group.Trim();
        return trimmed.Length <= 128 && !trimmed.Any(c => char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format) ? trimmed : slug;
    }
}
