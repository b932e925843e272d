using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TestSupport.Portal;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEnd;

/// <summary>
/// The headers every response carries on a real Kestrel, and a real browser that runs every main page,
/// dialog, snackbar and the reconnect UI under that policy without a single violation.
/// </summary>
public sealed class SecurityHeadersTests(BrowserFixture browser)
{
    private const int TestTimeout = 120_000;

    /// <summary>Pages, a redirect, the API (anonymous, with a token, an error), static files, Scalar, health, a missing page.</summary>
    private static readonly (string Path, bool WithToken)[] Responses =
    [
        ("/account/login", false), ("/clusters", false), ("/api/v1/clusters", false), ("/api/v1/clusters", true), ("/api/v1/nope", true),
        ("/app.css", false), ("/_framework/blazor.web.js", false), ("/_content/MudBlazor/MudBlazor.min.js", false),
        ("/scalar/v1", false), ("/scalar/scalar.js", false), ("/openapi/v1.json", false), ("/health/live", false), ("/no-such-page", false),
    ];

    [Fact(Timeout = TestTimeout)]
    public async Task Responses_OfEveryKind_CarryTheSecurityHeadersAndNoServerBanner()
    {
        await using var portal = new KestrelPortalFactory(timeScale: 0);
        var baseAddress = portal.Start();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = baseAddress };
        var failures = new List<string>();

        foreach (var (path, withToken) in Responses)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (withToken) request.Headers.Authorization = new("Bearer", PortalAppFactory.AdminToken);
            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            var label = $"{path}{(withToken ? " (token)" : "")} {(int)response.StatusCode}";
            var csp = Header(response, "Content-Security-Policy");
            if (csp is null || !csp.Contains("frame-ancestors 'none'") || !csp.Contains("script-src 'self'") || csp.Contains("unsafe-eval"))
                failures.Add($"{label}: Content-Security-Policy {csp ?? "missing"}");
            else if (!path.StartsWith("/scalar", StringComparison.Ordinal) && csp.Contains("nonce-"))
                failures.Add($"{label}: a nonce where no inline script belongs: {csp}");
            if (Header(response, "X-Content-Type-Options") != "nosniff") failures.Add($"{label}: X-Content-Type-Options {Header(response, "X-Content-Type-Options")}");
            if (Header(response, "Referrer-Policy") != "no-referrer") failures.Add($"{label}: Referrer-Policy {Header(response, "Referrer-Policy")}");
            if (Header(response, "Server") is { } server) failures.Add($"{label}: Server {server}");
            if ((int)response.StatusCode >= 500 || (path.Contains('.') && response.StatusCode != HttpStatusCode.OK)) failures.Add($"{label}: unexpected status");
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Cookies_OverHttps_AreAllSecure()
    {
        await using var portal = new HttpsPortalFactory();
        var baseAddress = portal.Start();
        HttpClient Browser() => new(new HttpClientHandler
        {
            AllowAutoRedirect = false,
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == portal.Certificate.Thumbprint,
        }) { BaseAddress = baseAddress };
        using var visitor = Browser();
        using var person = Browser();

        var login = await visitor.GetAsync("/account/login", TestContext.Current.CancellationToken); // the antiforgery cookie
        var signIn = await person.PostSignInAsync(PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword); // the sign-in cookie

        var cookies = login.Headers.GetValues("Set-Cookie").Concat(signIn.Headers.GetValues("Set-Cookie")).ToList();
        Assert.Contains(cookies, c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
        Assert.Contains(cookies, c => c.StartsWith("portal.auth=", StringComparison.Ordinal));
        Assert.All(cookies, c => Assert.Contains("secure", c, StringComparison.OrdinalIgnoreCase));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task MainPages_InChromium_RunWithoutAContentSecurityPolicyViolation()
    {
        await using var session = await PortalSession.StartSignedOutAsync(browser, TestContext.Current.CancellationToken, timeScale: 0);
        var page = session.Page;
        var violations = new List<string>();
        // Added by the browser's devtools protocol, outside the page's policy: it reports what the policy refuses.
        await page.Context.AddInitScriptAsync("""
            document.addEventListener('securitypolicyviolation', e =>
                console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`));
            """);
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy") || message.Text.StartsWith("CSP violation", StringComparison.Ordinal))
                violations.Add($"{page.Url}: {message.Text}");
        };
        page.PageError += (_, error) => violations.Add($"{page.Url}: page error {error}");
        _ = session.Api;

        await session.SignInAsync(PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);
        await session.OpenAsync("/clusters/new");
        await session.SubmitCreateFormAsync("csp-check");
        await Expect(session.Status).ToHaveTextAsync("ready");

        // A MudBlazor dialog, then a snackbar.
        await page.GetByTestId("destroy").ClickAsync();
        await Expect(page.GetByTestId("destroy-dialog")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Keep it" }).ClickAsync();
        await page.GetByTestId("refresh").ClickAsync();
        await Expect(page.Locator(".mud-snackbar").Filter(new() { HasText = "Refresh queued." })).ToBeVisibleAsync();

        // The reconnect UI, as blazor.web.js drives it when the connection drops.
        await page.EvaluateAsync("""
            () => document.getElementById('components-reconnect-modal')
                .dispatchEvent(new CustomEvent('components-reconnect-state-changed', { detail: { state: 'show' } }))
            """);
        await Expect(page.Locator("#components-reconnect-modal")).ToBeVisibleAsync();
        await page.EvaluateAsync("""
            () => document.getElementById('components-reconnect-modal')
                .dispatchEvent(new CustomEvent('components-reconnect-state-changed', { detail: { state: 'hide' } }))
            """);

        await session.OpenAsync("/clusters");
        await Expect(page.GetByTestId("cluster-link")).ToHaveTextAsync("csp-check");
        await session.OpenAsync("/admin/audit");
        await page.GetByTestId("audit-action").First.ClickAsync();
        await Expect(page.GetByTestId("audit-details")).ToBeVisibleAsync();
        await session.OpenAsync("/tokens");
        await page.GetByTestId("token-name").FillAsync("csp-check");
        await page.GetByTestId("create-token").ClickAsync();
        await Expect(page.GetByTestId("new-token")).ToBeVisibleAsync();
        await session.OpenAsync("/admin/teams");
        await Expect(page.Locator("[data-team=platform]")).ToBeVisibleAsync();

        // Scalar's API reference: its own inline script runs by the response's nonce.
        await page.GotoAsync("/scalar/v1");
        await Expect(page.GetByText("Consul Portal API").First).ToBeVisibleAsync();
        await session.ScreenshotAsync("scalar");

        // Scalar's bundle (Zod) probes whether eval works, with try { Function('') } catch, and does without it:
        // the policy refuses that probe by design ('unsafe-eval' is never allowed), so it is the one report expected.
        violations.RemoveAll(v => v.Contains("/scalar/") && (v.Contains("blocked eval at") || v.Contains("'unsafe-eval'")));
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;

    /// <summary>The portal on Kestrel over https, with a self-signed certificate made for the test.</summary>
    private sealed class HttpsPortalFactory : PortalAppFactory
    {
        public X509Certificate2 Certificate { get; } = SelfSigned();

        public HttpsPortalFactory() => UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(Certificate)));

        public Uri Start()
        {
            StartServer();
            return new Uri(Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
        }

        private static X509Certificate2 SelfSigned()
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            // Kestrel needs the key in a form the platform's TLS can use: round-trip through PKCS#12.
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        }
    }
}
