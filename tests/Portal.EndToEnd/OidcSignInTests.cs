using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Portal.Identity;
using TestSupport.Portal;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEnd;

/// <summary>
/// Single sign-on against a real OpenID Connect provider (node-oidc-provider on 127.0.0.1), driven
/// through the portal's sign-in page with chromium. Claims come from userinfo only (the ID token
/// carries just <c>sub</c>), or from both, as with many IdPs.
/// </summary>
public sealed class OidcSignInTests(BrowserFixture browser, OidcProvider idp) : IClassFixture<OidcProvider>
{
    private const int TestTimeout = 90_000;
    private const string AdminTeam = "portal-admins";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = TestTimeout)]
    public async Task SignIn_UserinfoOnlyIdp_CreatesThePersonWithTheTeamsOfTheClaim()
    {
        await using var session = await StartAsync(TestContext.Current.CancellationToken);
        var account = NewAccount("carol");
        await idp.SetAccountAsync(account, new { email = "carol@idp.test", email_verified = true, name = "Carol", groups = new[] { "Team Alpha", "platform", "x" } });

        await SignInAtIdpAsync(session, account);

        await Expect(session.Page.GetByTestId("signed-in-as")).ToHaveTextAsync("carol@idp.test");
        await session.ScreenshotAsync("signed-in");
        // Only userinfo said who she is: the ID token the portal validated held nothing but sub.
        Assert.Equal(["id_token", "userinfo"], await idp.ClaimUsesAsync(account));
        await using var db = session.Portal.CreateDbContext();
        var user = await db.Users.SingleAsync(u => u.Email == "carol@idp.test", Ct);
        Assert.Equal("Carol", user.DisplayName);
        var login = await db.UserLogins.SingleAsync(l => l.UserId == user.Id, Ct);
        Assert.Equal((idp.Issuer.ToString().TrimEnd('/'), account), (login.LoginProvider.TrimEnd('/'), login.ProviderKey));
        // "Team Alpha" maps to the slug team-alpha; "x" maps to no valid slug and is refused, with a logged reason.
        Assert.Equal(["platform", "team-alpha"], await TeamsOfAsync(db, user.Id));
        Assert.Contains(session.Portal.Logs.Lines, line => line.Contains("'x'") && line.Contains("ignored"));

        // Her team is hers in the portal too: she can open the create form for it.
        await session.OpenAsync("/clusters/new");
        await Expect(session.Page.GetByTestId("team")).ToBeVisibleAsync();
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SignIn_AdminTeamInTheClaim_GrantsAdminAndRevokesItAtTheNextSignInWithoutIt()
    {
        await using var session = await StartAsync(TestContext.Current.CancellationToken, adminTeam: AdminTeam);
        var account = NewAccount("dave");
        await idp.SetAccountAsync(account, new { email = "dave@idp.test", email_verified = true, groups = new[] { AdminTeam, "team-a" } }, alsoInIdToken: true);

        await SignInAtIdpAsync(session, account);
        await Expect(session.Page.GetByTestId("signed-in-as")).ToHaveTextAsync("dave@idp.test");
        await session.OpenAsync("/admin/audit");
        await Expect(session.Page.GetByTestId("chain-status")).ToContainTextAsync("Chain verified");
        await session.ScreenshotAsync("admin");
        await session.SignOutAsync();

        // He leaves the admin group at the IdP; the IdP still has his session, so no login page this time.
        await idp.SetAccountAsync(account, new { email = "dave@idp.test", email_verified = true, groups = new[] { "team-a" } }, alsoInIdToken: true);
        await SignInAtIdpAsync(session, account: null);
        await Expect(session.Page.GetByTestId("signed-in-as")).ToHaveTextAsync("dave@idp.test");
        await session.Page.GotoAsync("/admin/audit");
        await Expect(session.Page).ToHaveURLAsync(new Regex("/account/denied"));
        await session.ScreenshotAsync("no-longer-admin");

        await using var db = session.Portal.CreateDbContext();
        var user = await db.Users.SingleAsync(u => u.Email == "dave@idp.test", Ct);
        Assert.False(await Caller.IsAdminAsync(db, user.Id, Ct));
        Assert.Equal(["team-a"], await TeamsOfAsync(db, user.Id));
        var changes = await db.AuditEntries.Where(e => e.ActorId == user.Id && (e.Action.StartsWith("user.admin.") || e.Action.StartsWith("team.member.")))
            .OrderBy(e => e.Id).Select(e => e.Action + " " + e.TargetId).ToListAsync(Ct);
        Assert.Equal([$"team.member.add {AdminTeam}", "team.member.add team-a", "user.admin.grant dave@idp.test", $"team.member.remove {AdminTeam}", "user.admin.revoke dave@idp.test"], changes);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SignIn_IdpAccountWithTheBootstrapAdminsUnverifiedEmail_GetsNeitherTheLocalAccountNorAdmin()
    {
        await using var session = await StartAsync(TestContext.Current.CancellationToken, adminTeam: AdminTeam);
        var account = NewAccount("mallory");
        await idp.SetAccountAsync(account, new { email = PortalAppFactory.AdminEmail, email_verified = false, groups = new[] { "team-a" } }, alsoInIdToken: true);

        await SignInAtIdpAsync(session, account);

        await Expect(session.Page).ToHaveURLAsync(new Regex("/account/login"));
        await Expect(session.Page.GetByTestId("signin-error")).ToContainTextAsync("already exists");
        await Expect(session.Page.GetByTestId("signed-in-as")).ToHaveCountAsync(0);
        await session.ScreenshotAsync("refused");
        var me = await session.Page.APIRequest.GetAsync("/api/v1/audit");
        Assert.Equal(401, me.Status); // not signed in as anybody, least of all the admin

        await using var db = session.Portal.CreateDbContext();
        var admin = await db.Users.SingleAsync(u => u.Email == PortalAppFactory.AdminEmail, Ct);
        Assert.Empty(await db.UserLogins.Where(l => l.UserId == admin.Id).ToListAsync(Ct));
        Assert.Equal(1, await db.Users.CountAsync(Ct));
        var refusal = await db.AuditEntries.Where(e => e.Action == "signin.failure").SingleAsync(Ct);
        Assert.Contains("not linked", refusal.DetailsJson);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SignIn_CancelledAtTheIdp_ReturnsToTheSignInPageWithAMessage()
    {
        await using var session = await StartAsync(TestContext.Current.CancellationToken);
        var account = NewAccount("erin");
        await idp.SetAccountAsync(account, new { email = "erin@idp.test", email_verified = true });
        var page = session.Page;

        await page.GotoAsync("/account/login?ReturnUrl=%2Fclusters");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with Test IdP" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "[ Cancel ]" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/account/login\\?error=cancelled&ReturnUrl=%2Fclusters$")); // where she was going is kept
        await Expect(page.GetByTestId("signin-error")).ToContainTextAsync("Sign-in with Test IdP was cancelled");
        await Expect(page.GetByTestId("signin")).ToBeVisibleAsync();
        await session.ScreenshotAsync("cancelled");
    }

    private async Task<PortalSession> StartAsync(CancellationToken cancellationToken, string? adminTeam = null)
    {
        await idp.StartAsync();
        return await PortalSession.StartSignedOutAsync(browser, cancellationToken, timeScale: 0, configure: portal => idp.Configure(portal, adminTeam));
    }

    /// <summary>An account id no other test uses: the provider lives as long as the test class.</summary>
    private static string NewAccount(string name) => $"{name}-{Guid.NewGuid():N}"[..20];

    /// <summary>
    /// "Sign in with Test IdP", then the provider's own pages: its login form (unless the IdP still
    /// has a session, <paramref name="account"/> null) and its consent, which it asks of a native client every time.
    /// </summary>
    private static async Task SignInAtIdpAsync(PortalSession session, string? account)
    {
        var page = session.Page;
        await page.GotoAsync("/account/login");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with Test IdP" }).ClickAsync();
        if (account is not null)
        {
            await page.Locator("input[name=login]").FillAsync(account);
            await page.Locator("input[name=password]").FillAsync("any password");
            await session.ScreenshotAsync("idp-login");
            await page.Locator("button[type=submit]").ClickAsync();
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
    }

    private static async Task<List<string>> TeamsOfAsync(Portal.Data.PortalDbContext db, string userId) =>
        await db.TeamMemberships.Where(m => m.UserId == userId).Select(m => m.Team.Name).OrderBy(n => n).ToListAsync(Ct);
}
