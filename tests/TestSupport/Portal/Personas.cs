using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace TestSupport.Portal;

/// <summary>Ways to be somebody in a test portal: a browser signed in with a cookie, or a token.</summary>
public static partial class Personas
{
    /// <summary>Creates a local account and puts it in a team, through the admin API.</summary>
    public static async Task CreateMemberAsync(this HttpClient admin, string email, string password, string team, string role = "member")
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var teamResponse = await admin.PostAsJsonAsync("/api/v1/teams", new { name = team, displayName = team }, ct);
        Assert.True(teamResponse.IsSuccessStatusCode || teamResponse.StatusCode == System.Net.HttpStatusCode.Conflict, $"team: {(int)teamResponse.StatusCode}");
        var user = await admin.PostAsJsonAsync("/api/v1/users", new { email, password }, ct);
        Assert.True(user.IsSuccessStatusCode, $"user: {(int)user.StatusCode} {await user.Content.ReadAsStringAsync(ct)}");
        var member = await admin.PostAsJsonAsync($"/api/v1/teams/{team}/members", new { email, role }, ct);
        Assert.True(member.IsSuccessStatusCode, $"member: {(int)member.StatusCode}");
    }

    /// <summary>
    /// A client that signed in through the sign-in page, as a browser does, and carries the
    /// antiforgery header that cookie-authenticated API changes need. Redirects are not followed.
    /// </summary>
    public static async Task<HttpClient> SignInAsync(PortalAppFactory app, string email, string password)
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var response = await client.PostSignInAsync(email, password);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Redirect, $"Signing in as {email} answered {(int)response.StatusCode}.");
        var antiforgery = JsonNode.Parse(await client.GetStringAsync("/api/v1/antiforgery", ct))!;
        client.DefaultRequestHeaders.Add((string)antiforgery["headerName"]!, (string)antiforgery["token"]!);
        return client;
    }

    /// <summary>Fills in and posts the sign-in form, as a browser does; the answer is the form post's.</summary>
    /// <param name="returnUrl">The page the sign-in returns to, as the sign-in page's query and hidden field carry it.</param>
    public static async Task<HttpResponseMessage> PostSignInAsync(this HttpClient client, string email, string password, string? returnUrl = null)
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var page = await client.GetStringAsync("/account/login", ct);
        var form = new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = VerificationToken().Match(page).Groups[1].Value,
            ["_handler"] = "signin",
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        };
        var url = returnUrl is null ? "/account/login" : "/account/login?ReturnUrl=" + Uri.EscapeDataString(returnUrl);
        if (returnUrl is not null) form["ReturnUrl"] = returnUrl;
        return await client.PostAsync(url, new FormUrlEncodedContent(form), ct);
    }

    /// <summary>Creates a token for the signed-in (or token-holding) client and returns its value.</summary>
    public static Task<(string Token, string Id)> CreateTokenAsync(this HttpClient owner, string name, params string[] scopes) =>
        owner.CreateTokenAsync(new { name, scopes, expiresAt = DateTimeOffset.UtcNow.AddDays(7) });

    /// <summary>Creates a token from a request body of <c>POST /api/v1/tokens</c>, expecting 201, and returns its value.</summary>
    public static async Task<(string Token, string Id)> CreateTokenAsync(this HttpClient owner, object request)
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var response = await owner.PostAsJsonAsync("/api/v1/tokens", request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.IsSuccessStatusCode, $"token: {(int)response.StatusCode} {body}");
        var json = JsonNode.Parse(body)!;
        return ((string)json["token"]!, (string)json["details"]!["id"]!);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex VerificationToken();
}
