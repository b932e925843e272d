using System.Net;
using TestSupport.Portal;

namespace Portal.Tests.Identity;

/// <summary>
/// A wrong <c>Authentication:Oidc</c> setting stops the portal at startup with a message naming
/// the key; it never starts a portal that answers 500 to every request.
/// </summary>
public sealed class OidcStartupTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Startup_OidcWithoutClientId_FailsNamingTheKey()
    {
        await using var app = OidcPortal("https://login.example.test/realms/portal", clientId: null);

        var message = StartupFailure(app);

        Assert.Contains("Authentication:Oidc:ClientId", message);
    }

    [Fact]
    public async Task Startup_OidcClientIdWithoutAuthority_FailsNamingTheKey()
    {
        await using var app = OidcPortal(authority: null, clientId: "portal");

        var message = StartupFailure(app);

        Assert.Contains("Authentication:Oidc:Authority", message);
    }

    [Theory]
    [InlineData("login.example.test")]
    [InlineData("/realms/portal")]
    [InlineData("ftp://login.example.test/")]
    public async Task Startup_OidcAuthorityNotAnAbsoluteHttpUri_FailsNamingTheKey(string authority)
    {
        await using var app = OidcPortal(authority, "portal");

        var message = StartupFailure(app);

        Assert.Contains("Authentication:Oidc:Authority", message);
        Assert.Contains(authority, message);
    }

    [Fact]
    public async Task Startup_OidcHttpAuthorityWhileHttpsMetadataIsRequired_FailsNamingRequireHttpsMetadata()
    {
        await using var app = OidcPortal("http://127.0.0.1:9/", "portal");

        var message = StartupFailure(app);

        Assert.Contains("Authentication:Oidc:Authority", message);
        Assert.Contains("Authentication:Oidc:RequireHttpsMetadata", message);
    }

    [Fact]
    public async Task Startup_OidcAdminTeamThatMapsToNoTeam_FailsNamingTheKey()
    {
        await using var app = OidcPortal("https://login.example.test/", "portal");
        app.Settings["Authentication:Oidc:AdminTeam"] = "42";

        var message = StartupFailure(app);

        Assert.Contains("Authentication:Oidc:AdminTeam", message);
    }

    [Fact]
    public async Task Startup_OidcHttpAuthorityWithHttpsMetadataOff_StartsAndAnswersHealthAndSignIn()
    {
        // Nothing listens there: the portal must not need the provider until someone signs in with it.
        await using var app = OidcPortal("http://127.0.0.1:9/", "portal");
        app.Settings["Authentication:Oidc:RequireHttpsMetadata"] = "false";
        using var http = app.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live", Ct)).StatusCode);
        var login = await http.GetAsync("/account/login", Ct);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("Sign in with", await login.Content.ReadAsStringAsync(Ct));
    }

    private static PortalAppFactory OidcPortal(string? authority, string? clientId)
    {
        var app = new PortalAppFactory();
        app.Settings["Authentication:Oidc:Authority"] = authority;
        app.Settings["Authentication:Oidc:ClientId"] = clientId;
        return app;
    }

    /// <summary>Starts the host, expecting it to refuse; the message is what the operator reads.</summary>
    private static string StartupFailure(PortalAppFactory app)
    {
        var error = Assert.ThrowsAny<Exception>(() => app.Services);
        TestContext.Current.TestOutputHelper?.WriteLine($"{error.GetType().Name}: {error.Message}");
        return error.Message;
    }
}
