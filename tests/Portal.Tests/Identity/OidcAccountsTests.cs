using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Identity;
using TestSupport.Portal;

namespace Portal.Tests.Identity;

/// <summary>
/// Which account a single sign-on lands in, and how teams and the admin role follow the claim:
/// the real portal and SQLite file, with the identity the provider would have sent.
/// (tests/Portal.EndToEnd/OidcSignInTests drives the same through a real provider and chromium.)
/// </summary>
public sealed class OidcAccountsTests
{
    private const string Issuer = "https://idp.example.test/", OtherIssuer = "https://other-idp.example.test/";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SignIn_UnverifiedEmailOfALocalAccount_IsRefusedAndLinksNothing()
    {
        await using var app = OidcPortal(linkVerifiedEmail: true);

        var result = await SignInAsync(app, Person("mallory", PortalAppFactory.AdminEmail, verified: false));

        Assert.Null(result.User);
        Assert.Equal(OidcSignIn.EmailTakenError, result.Error);
        await using var db = app.CreateDbContext();
        Assert.Empty(await db.UserLogins.ToListAsync(Ct));
        Assert.Equal(1, await db.Users.CountAsync(Ct));
        var refusal = await db.AuditEntries.SingleAsync(e => e.Action == "signin.failure", Ct);
        Assert.Equal("failure", refusal.Outcome);
        Assert.Contains("not linked", refusal.DetailsJson);
    }

    [Fact]
    public async Task SignIn_VerifiedEmailOfALocalAccountWhileLinkingIsOff_IsRefused()
    {
        await using var app = OidcPortal();

        var result = await SignInAsync(app, Person("admin-at-idp", PortalAppFactory.AdminEmail));

        Assert.Equal(OidcSignIn.EmailTakenError, result.Error);
        await using var db = app.CreateDbContext();
        Assert.Empty(await db.UserLogins.ToListAsync(Ct));
    }

    [Fact]
    public async Task SignIn_VerifiedEmailWithLinkVerifiedEmail_LinksTheLocalAccountOnceAndAuditsIt()
    {
        await using var app = OidcPortal(linkVerifiedEmail: true);

        var first = await SignInAsync(app, Person("admin-at-idp", PortalAppFactory.AdminEmail));
        var again = await SignInAsync(app, Person("admin-at-idp", "renamed@idp.test"));

        Assert.Equal(PortalAppFactory.AdminEmail, first.User?.Email);
        Assert.Equal(first.User!.Id, again.User?.Id); // found by issuer and subject, whatever the email says now
        await using var db = app.CreateDbContext();
        var login = await db.UserLogins.SingleAsync(Ct);
        Assert.Equal((Issuer, "admin-at-idp", first.User.Id), (login.LoginProvider, login.ProviderKey, login.UserId));
        Assert.Equal(1, await db.AuditEntries.CountAsync(e => e.Action == "user.login.link" && e.TargetId == PortalAppFactory.AdminEmail, Ct));
    }

    [Fact]
    public async Task SignIn_SameSubjectFromAnotherIssuer_IsAnotherPerson()
    {
        await using var app = OidcPortal();
        var carol = await SignInAsync(app, Person("42", "carol@idp.test"));

        var sameSubject = await SignInAsync(app, Person("42", "carol@idp.test") with { Issuer = OtherIssuer });
        var newPerson = await SignInAsync(app, Person("42", "dan@other.test") with { Issuer = OtherIssuer });

        Assert.NotNull(carol.User);
        Assert.Equal(OidcSignIn.EmailTakenError, sameSubject.Error);
        Assert.NotEqual(carol.User.Id, newPerson.User?.Id);
        await using var db = app.CreateDbContext();
        Assert.Equal(2, await db.UserLogins.CountAsync(Ct));
    }

    [Fact]
    public async Task SignIn_NewPerson_GetsAnAccountWhoseEmailIsConfirmedOnlyWhenTheProviderVerifiedIt()
    {
        await using var app = OidcPortal();

        var verified = await SignInAsync(app, Person("v", "verified@idp.test"));
        var unverified = await SignInAsync(app, Person("u", "unverified@idp.test", verified: false));

        Assert.True(verified.User!.EmailConfirmed);
        Assert.False(unverified.User!.EmailConfirmed);
        await using var db = app.CreateDbContext();
        Assert.Equal(2, await db.AuditEntries.CountAsync(e => e.Action == "user.create", Ct));
    }

    [Fact]
    public async Task SignIn_NoEmailClaim_IsRefusedWithItsOwnMessage()
    {
        await using var app = OidcPortal();

        var result = await SignInAsync(app, Person("anon", null));

        Assert.Equal(OidcSignIn.NoEmailError, result.Error);
        Assert.Contains("email", OidcSignIn.FailureMessage(result.Error, "SSO"));
    }

    [Fact]
    public async Task SignIn_GroupsChange_MembershipsFollowAndEveryChangeIsAudited()
    {
        await using var app = OidcPortal();
        using var admin = app.CreateApiClient();
        var erin = (await SignInAsync(app, Person("erin", "erin@idp.test", groups: ["Team Alpha", "platform"]))).User!;
        // An admin makes her owner of platform; the claim still names platform, so that stays as it is.
        (await admin.PostAsync("/api/v1/teams/platform/members", System.Net.Http.Json.JsonContent.Create(new { email = "erin@idp.test", role = "owner" }), Ct)).EnsureSuccessStatusCode();

        await SignInAsync(app, Person("erin", "erin@idp.test", groups: ["platform", "Team Beta"]));

        await using var db = app.CreateDbContext();
        var memberships = await db.TeamMemberships.Where(m => m.UserId == erin.Id).OrderBy(m => m.Team.Name).Select(m => new { m.Team.Name, m.Role }).ToListAsync(Ct);
        Assert.Equal([new { Name = "platform", Role = TeamRole.Owner }, new { Name = "team-beta", Role = TeamRole.Member }], memberships);
        Assert.Equal("Team Beta", (await db.Teams.SingleAsync(t => t.Name == "team-beta", Ct)).DisplayName);
        var changes = await db.AuditEntries.Where(e => e.ActorId == erin.Id).OrderBy(e => e.Id).Select(e => e.Action + " " + e.TargetId).ToListAsync(Ct);
        Assert.Equal(
        [
            "user.create erin@idp.test", "team.create team-alpha", "team.member.add platform", "team.member.add team-alpha",
            "team.create team-beta", "team.member.add team-beta", "team.member.remove team-alpha",
        ], changes);
    }

    [Fact]
    public async Task SignIn_GroupThatMapsToNoTeam_IsIgnoredWithALoggedReason()
    {
        await using var app = OidcPortal();

        var user = (await SignInAsync(app, Person("frank", "frank@idp.test", groups: ["qa", "9lives", "team-a"]))).User!;

        await using var db = app.CreateDbContext();
        Assert.Equal(["team-a"], await db.TeamMemberships.Where(m => m.UserId == user.Id).Select(m => m.Team.Name).ToListAsync(Ct));
        Assert.False(await db.Teams.AnyAsync(t => t.Name == "qa" || t.Name == "9lives", Ct));
        Assert.Contains(app.Logs.Lines, l => l.Contains("'qa'") && l.Contains("ignored") && l.Contains("shorter than 3 characters"));
        Assert.Contains(app.Logs.Lines, l => l.Contains("'9lives'") && l.Contains("ignored") && l.Contains("does not start with a letter"));
    }

    [Fact]
    public async Task SignIn_AdminTeamJoinedThenLeft_GrantsThenRevokesAdminAndAuditsBoth()
    {
        await using var app = OidcPortal(adminTeam: "Portal Admins"); // a group name: mapped like any group, to portal-admins

        var granted = (await SignInAsync(app, Person("gina", "gina@idp.test", groups: ["portal-admins"]))).User!;
        var stillAdmin = await IsAdminAsync(app, granted.Id);
        await SignInAsync(app, Person("gina", "gina@idp.test", groups: ["team-a"]));

        Assert.True(stillAdmin);
        Assert.False(await IsAdminAsync(app, granted.Id));
        await using var db = app.CreateDbContext();
        var changes = await db.AuditEntries.Where(e => e.Action.StartsWith("user.admin.")).OrderBy(e => e.Id).Select(e => new { e.Action, e.TargetId, e.ActorId }).ToListAsync(Ct);
        Assert.Equal([new { Action = "user.admin.grant", TargetId = (string?)"gina@idp.test", ActorId = (string?)granted.Id }, new { Action = "user.admin.revoke", TargetId = (string?)"gina@idp.test", ActorId = (string?)granted.Id }], changes);
    }

    [Fact]
    public async Task SignIn_NoAdminTeamConfigured_LeavesTheAdminRoleAsItIs()
    {
        await using var app = OidcPortal(linkVerifiedEmail: true);

        var admin = (await SignInAsync(app, Person("boss", PortalAppFactory.AdminEmail, groups: ["team-a"]))).User!;

        Assert.True(await IsAdminAsync(app, admin.Id));
    }

    [Fact]
    public async Task Callback_WithoutAnAnswerFromTheProvider_ReturnsToSignInWithAMessageAndRecordsNothing()
    {
        await using var app = OidcPortal();
        using var anonymous = app.CreateClient(new() { AllowAutoRedirect = false });
        long before;
        await using (var db = app.CreateDbContext()) before = await db.AuditEntries.CountAsync(Ct);

        var response = await anonymous.GetAsync("/account/external-callback?returnUrl=%2Fclusters", Ct);

        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/account/login?error=external&ReturnUrl=%2Fclusters", response.Headers.Location?.OriginalString);
        var page = await anonymous.GetStringAsync(response.Headers.Location, Ct);
        Assert.Contains("did not complete", page);
        await using (var db = app.CreateDbContext()) Assert.Equal(before, await db.AuditEntries.CountAsync(Ct)); // anonymous calls cannot grow the trail
    }

    [Theory]
    [InlineData("team-a", "team-a")]
    [InlineData("Team Alpha", "team-alpha")]
    [InlineData("  /Platform/SRE_Oncall/  ", "platform-sre-oncall")]
    [InlineData("a--b__c", "a-b-c")]
    [InlineData("team42", "team42")]
    public void ToTeam_ValidGroup_MapsByTheDocumentedRule(string group, string team)
    {
        var mapping = OidcGroups.ToTeam(group);

        Assert.Equal((team, null), (mapping.Team, mapping.Refusal));
    }

    [Theory]
    [InlineData("", "no letters or digits")]
    [InlineData("---", "no letters or digits")]
    [InlineData("dx", "shorter than 3 characters")]
    [InlineData("42-team", "does not start with a letter")]
    [InlineData("3f2a9c1e-0000-4000-8000-000000000000", "does not start with a letter")]
    [InlineData("Équipe Réseau", "'É', a letter or digit outside a-z and 0-9")]
    [InlineData("日本語", "'日'")]
    public void ToTeam_GroupWithoutAValidSlug_IsRefusedWithAReason(string group, string reason)
    {
        var mapping = OidcGroups.ToTeam(group);

        Assert.Null(mapping.Team);
        Assert.Contains(reason, mapping.Refusal);
    }

    [Fact]
    public void ToTeam_GroupLongerThanATeamName_IsRefusedNotTruncated()
    {
        var mapping = OidcGroups.ToTeam("department-" + new string('x', 60));

        Assert.Null(mapping.Team);
        Assert.Contains("more than 64", mapping.Refusal);
    }

    private static PortalAppFactory OidcPortal(bool linkVerifiedEmail = false, string? adminTeam = null)
    {
        var app = new PortalAppFactory();
        app.Settings["Authentication:Oidc:Authority"] = Issuer;
        app.Settings["Authentication:Oidc:ClientId"] = "portal";
        app.Settings["Authentication:Oidc:LinkVerifiedEmail"] = linkVerifiedEmail ? "true" : "false";
        app.Settings["Authentication:Oidc:AdminTeam"] = adminTeam;
        return app;
    }

    private static ExternalIdentity Person(string subject, string? email, bool verified = true, string[]? groups = null) =>
        new(Issuer, subject, email, verified, null, groups ?? []);

    /// <summary>What the callback does once the provider's answer is validated: one request's scope.</summary>
    private static async Task<OidcSignInResult> SignInAsync(PortalAppFactory app, ExternalIdentity identity)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OidcAccounts>().SignInAsync(identity, new ClientInfo("127.0.0.1", "test"), Ct);
    }

    private static async Task<bool> IsAdminAsync(PortalAppFactory app, string userId)
    {
        await using var db = app.CreateDbContext();
        return await Caller.IsAdminAsync(db, userId, Ct);
    }
}
