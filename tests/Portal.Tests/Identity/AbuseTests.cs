using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Identity;
using Portal.Tests.Api;
using TestSupport.Portal;

namespace Portal.Tests.Identity;

/// <summary>
/// Floods and guessing: callers without valid credentials are limited per address before anything is
/// looked up or written, refusals reach the audit trail as one counted entry per address and window,
/// and sign-in tells nobody whether an account exists or is locked.
/// </summary>
public sealed partial class AbuseTests : PortalApiTest
{
    private const string Email = "victim@portal.test", Password = "Victim-password-2026";

    [Fact]
    public async Task AnonymousRequests_OverThePerAddressLimit_Answer429WithRetryAfterProblem()
    {
        App.Settings["RateLimiting:AnonymousPermitsPerMinute"] = "20";
        _ = Http;
        using var anonymous = App.CreateClient();
        using var bogus = App.CreateClientWithToken("pat_NotARealTokenButLooksLikeOne0123456789");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 30; i++) statuses.Add((await anonymous.PostAsync("/api/v1/clusters", null, Ct)).StatusCode);
        var withBogusToken = await bogus.GetAsync("/api/v1/clusters", Ct);
        var page = await anonymous.GetAsync("/account/login", Ct);

        Assert.Equal(20, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        foreach (var refused in new[] { withBogusToken, page })
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "no Retry-After");
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Equal("https://portal.example/problems/rate-limited", (string)JsonNode.Parse(await refused.Content.ReadAsStringAsync(Ct))!["type"]!);
        }
        // Whoever authenticates is not held back by the anonymous flood from the same address.
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/api/v1/clusters", Ct)).StatusCode);
    }

    [Fact]
    public async Task AnonymousFlood_FromOneAddress_LeavesOtherAddressesAlone()
    {
        App.Settings["RateLimiting:AnonymousPermitsPerMinute"] = "10";
        var url = App.StartOnKestrel();
        using var flooder = SourceAddress.Client(url, "127.0.0.2");
        using var neighbour = SourceAddress.Client(url, "127.0.0.3");

        for (var i = 0; i < 15; i++) await flooder.GetAsync("/health/live", Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, (await flooder.GetAsync("/health/live", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await neighbour.GetAsync("/health/live", Ct)).StatusCode);
    }

    [Fact]
    public async Task DeniedFlood_AuditTrail_GetsOneEntryPerAddressAndWindowWithTheCount()
    {
        App.Settings["RateLimiting:AnonymousPermitsPerMinute"] = "100000";
        App.Settings["RateLimiting:DenialAuditWindow"] = "01:00:00";
        _ = Http;
        using var anonymous = App.CreateClient();
        var (readOnly, _) = await Http.CreateTokenAsync("read-only", "clusters:read");
        using var forbidden = App.CreateClientWithToken(readOnly);

        for (var i = 0; i < 300; i++) Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/v1/clusters", null, Ct)).StatusCode);
        for (var i = 0; i < 20; i++) Assert.Equal(HttpStatusCode.Forbidden, (await forbidden.DeleteAsync("/api/v1/clusters/x", Ct)).StatusCode);
        var beforeTheWindowCloses = await DeniedEntriesAsync();
        await App.Services.GetRequiredService<DenialAudit>().FlushAsync(Ct); // what the window's end does

        Assert.Empty(beforeTheWindowCloses);
        var entry = Assert.Single(await DeniedEntriesAsync())!;
        Assert.Equal("denied", (string)entry["outcome"]!);
        Assert.Equal("several callers", (string)entry["actorName"]!);
        var details = JsonNode.Parse((string)entry["details"]!)!;
        Assert.Equal(320, (int)details["count"]!);
        Assert.Equal(300, (int)details["unauthenticated"]!);
        Assert.Equal(20, (int)details["forbidden"]!);
        Assert.Equal(["POST /api/v1/clusters", "DELETE /api/v1/clusters/x"], details["endpoints"]!.AsArray().Select(e => (string)e!));
        Assert.True((bool)JsonNode.Parse(await Http.GetStringAsync("/api/v1/audit/verify", Ct))!["verified"]!);
    }

    [Fact]
    public async Task DeniedFlood_ManyAddresses_WritesAtMostTheCapPerWindow()
    {
        _ = Http;
        var denials = App.Services.GetRequiredService<DenialAudit>();
        var actor = new Portal.Auditing.AuditActor("anonymous", null, null, null, null, null);

        for (var i = 0; i < DenialAudit.MaxAddressesPerWindow + 500; i++) denials.Record($"10.0.{i / 256}.{i % 256}", actor, "POST /api/v1/clusters", "unauthenticated");
        await denials.FlushAsync(Ct);

        await using var db = App.CreateDbContext();
        var written = await db.AuditEntries.Where(e => e.Action == DenialAudit.Action).ToListAsync(Ct);
        Assert.Equal(DenialAudit.MaxAddressesPerWindow + 1, written.Count);
        Assert.Contains(written, e => e.TargetId == "other addresses" && e.DetailsJson!.Contains("\"count\":500"));
    }

    private async Task<JsonArray> DeniedEntriesAsync() =>
        JsonNode.Parse(await Http.GetStringAsync("/api/v1/audit?action=authorization.denied", Ct))!["items"]!.AsArray();

    [Fact]
    public async Task SignIn_ManyAttemptsFromOneAddress_Answers429WithRetryAfter()
    {
        App.Settings["RateLimiting:SignInPermitsPerMinute"] = "5";
        _ = Http;
        using var browser = App.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });

        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.OK, (await browser.PostSignInAsync("nobody@portal.test", "Wrong-password-123")).StatusCode);
        var refused = await browser.PostSignInAsync(PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "no Retry-After");
        Assert.Contains("Too many sign-in attempts from your address", ErrorOf(await refused.Content.ReadAsStringAsync(Ct)));
        await using var db = App.CreateDbContext();
        Assert.Equal(5, await db.AuditEntries.CountAsync(e => e.Action == "signin.failure", Ct)); // the refused attempt checked nothing
    }

    [Fact]
    public async Task SignIn_LockedOutFromOneAddress_StillSignsInFromAnother()
    {
        App.Settings["Identity:MaxFailedSignIns"] = "3";
        var url = App.StartOnKestrel();
        await Http.CreateMemberAsync(Email, Password, "team-a");
        using var attacker = SourceAddress.Client(url, "127.0.0.2");
        using var victim = SourceAddress.Client(url, "127.0.0.3");

        for (var i = 0; i < 4; i++) await attacker.PostSignInAsync(Email, "Wrong-password-123");
        var attackerWithRightPassword = await attacker.PostSignInAsync(Email, Password);
        var victimSignsIn = await victim.PostSignInAsync(Email, Password);

        Assert.Equal(HttpStatusCode.OK, attackerWithRightPassword.StatusCode); // still locked there: the form again
        Assert.Equal(HttpStatusCode.Redirect, victimSignsIn.StatusCode);
    }

    [Fact]
    public async Task SignIn_UnknownLockedAndWrongPassword_GetTheSameAnswerAtTheSameSpeed()
    {
        App.Settings["Identity:MaxFailedSignIns"] = "3";
        App.Settings["RateLimiting:SignInPermitsPerMinute"] = "1000";
        await Http.CreateMemberAsync(Email, Password, "team-a");
        await Http.CreateMemberAsync("other@portal.test", Password, "team-a");
        using var browser = App.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });
        await browser.PostSignInAsync("other@portal.test", "Wrong-password-123"); // warm-up: every code path compiled once
        await browser.PostSignInAsync("warm-up@portal.test", "Wrong-password-123");

        var wrong = new List<(TimeSpan, string)>();
        for (var i = 0; i < 3; i++) wrong.Add(await AttemptAsync(browser, Email, "Wrong-password-123")); // the third locks the account here
        var locked = new List<(TimeSpan, string)>();
        var unknown = new List<(TimeSpan, string)>();
        for (var i = 0; i < 5; i++)
        {
            locked.Add(await AttemptAsync(browser, Email, Password));
            unknown.Add(await AttemptAsync(browser, $"nobody{i}@portal.test", Password));
        }

        var answers = wrong.Concat(locked).Concat(unknown).Select(a => a.Item2).Distinct().ToList();
        Assert.True(answers.Count == 1, "different answers: " + string.Join(" | ", answers));
        var wrongMedian = Median(wrong);
        Assert.True(Median(unknown) > wrongMedian / 2, $"unknown account: {Median(unknown).TotalMilliseconds} ms, wrong password: {wrongMedian.TotalMilliseconds} ms");
        Assert.True(Median(locked) > wrongMedian / 2, $"locked account: {Median(locked).TotalMilliseconds} ms, wrong password: {wrongMedian.TotalMilliseconds} ms");
    }

    [Theory]
    [InlineData("RateLimiting:AnonymousPermitsPerMinute", "0")]
    [InlineData("RateLimiting:SignInPermitsPerMinute", "-1")]
    [InlineData("RateLimiting:DenialAuditWindow", "00:00:00")]
    public void Startup_InvalidRateLimit_StopsThePortalNamingTheKey(string key, string value)
    {
        App.Settings[key] = value;

        var error = Assert.ThrowsAny<Exception>(() => App.CreateApiClient());

        Assert.Contains(key, error.ToString());
    }

    /// <summary>One sign-in, timed from opening the page to the answer: the page costs the same on every path.</summary>
    private static async Task<(TimeSpan Elapsed, string Answer)> AttemptAsync(HttpClient browser, string email, string password)
    {
        var clock = Stopwatch.StartNew();
        var response = await browser.PostSignInAsync(email, password);
        clock.Stop();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (clock.Elapsed, ErrorOf(await response.Content.ReadAsStringAsync(Ct)));
    }

    private static TimeSpan Median(List<(TimeSpan Elapsed, string)> samples) => samples.Select(s => s.Elapsed).Order().ElementAt(samples.Count / 2);

    private static string ErrorOf(string html) => WebUtility.HtmlDecode(SignInError().Match(html).Groups[1].Value.Trim());

    [GeneratedRegex("data-testid=\"signin-error\"[^>]*>(?:\\s*<[^>]+>)*\\s*([^<]+)")]
    private static partial Regex SignInError();
}
