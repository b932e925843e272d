using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using TestSupport.Portal;

namespace Portal.Tests.Identity;

/// <summary>Careless and hostile values in what people type about themselves: names, and where sign-in returns to.</summary>
public sealed class IdentityInputTests : IAsyncDisposable
{
    private readonly PortalAppFactory _app = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Theory]
    [InlineData("/clusters\t/x")]
    [InlineData("/clusters/\u00e9t\u00e9")]
    [InlineData("/clusters/\u202Eevil")]
    [InlineData("/clusters\r\nSet-Cookie: x=1")]
    public async Task SignIn_ReturnUrlWithControlOrNonAsciiCharacters_RedirectsHome(string returnUrl)
    {
        using var browser = KestrelBrowser(); // Kestrel, unlike the test server, refuses such a Location header with a 500

        var response = await browser.PostSignInAsync(PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword, returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", PathOf(response));
    }

    [Fact]
    public async Task SignIn_PlainLocalReturnUrl_ReturnsThere()
    {
        using var browser = KestrelBrowser();

        var response = await browser.PostSignInAsync(PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword, "/clusters/alpha?tab=events");

        Assert.Equal("/clusters/alpha?tab=events", PathOf(response));
    }

    private HttpClient KestrelBrowser()
    {
        var url = _app.StartOnKestrel();
        _ = _app.CreateApiClient();
        return new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = new Uri(url) };
    }

    private static string PathOf(HttpResponseMessage redirect) =>
        new Uri(new Uri("http://portal.invalid"), redirect.Headers.Location!).PathAndQuery;

    [Theory]
    [InlineData("/api/v1/teams", """{"name":"team-q","displayName":"Pay\u202Ements"}""", "displayName", "control or direction")]
    [InlineData("/api/v1/teams", """{"name":"team-q","displayName":"Pay\u0000ments"}""", "displayName", "control or direction")]
    [InlineData("/api/v1/users", """{"email":"q@portal.test","password":"Long-enough-2026","displayName":"Q\u2066Admin"}""", "displayName", "control or direction")]
    [InlineData("/api/v1/users", """{"email":"q\u202E@portal.test","password":"Long-enough-2026"}""", "email", "control or direction")]
    public async Task AdminNames_ControlOrBidiCharacters_Answer400NamingTheFieldAndStoreNothing(string url, string body, string field, string message)
    {
        var admin = _app.CreateApiClient();

        var response = await admin.PostAsync(url, new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, (string)JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["errors"]![field]![0]!);
        await using var db = _app.CreateDbContext();
        Assert.Equal(1, await db.Teams.CountAsync(Ct));
        Assert.Equal(1, await db.Users.CountAsync(Ct));
    }

    [Theory]
    [InlineData("ci\u202Epipeline", "control or direction")]
    [InlineData("c\u200Bi", "control or direction")]
    [InlineData("ci\tpipeline", "control or direction")]
    public async Task CreateToken_NameWithControlOrBidiCharacters_Answers400AndStoresNothing(string name, string message)
    {
        var admin = _app.CreateApiClient();
        await using var before = _app.CreateDbContext();
        var tokens = await before.PersonalAccessTokens.CountAsync(Ct);

        var response = await admin.PostAsJsonAsync("/api/v1/tokens", new { name, scopes = new[] { "clusters:read" }, expiresAt = DateTimeOffset.UtcNow.AddDays(7) }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, (string)JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["errors"]!["name"]![0]!);
        await using var after = _app.CreateDbContext();
        Assert.Equal(tokens, await after.PersonalAccessTokens.CountAsync(Ct));
    }

    [Fact]
    public async Task CreateUser_DisplayNameOf20000Characters_Answers400()
    {
        var admin = _app.CreateApiClient();

        var response = await admin.PostAsJsonAsync("/api/v1/users", new { email = "long@portal.test", password = "Long-enough-2026", displayName = new string('d', 20_000) }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 128", (string)JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["errors"]!["displayName"]![0]!);
    }
}
