using System.Security.Cryptography;
using Microsoft.AspNetCore.CookiePolicy;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Portal.Security;

/// <summary>
/// The headers every response carries, pages, API, static files and errors alike: a Content Security Policy,
/// no MIME sniffing, no referrer, no framing; and no <c>Server</c> banner, and Secure cookies over https.
/// </summary>
public static class SecurityHeadersExtensions
{
    /// <summary>
    /// The policy. Scripts only from the portal itself: Blazor's and MudBlazor's are files, and the page has no
    /// inline script (App.razor leaves out Blazor's inline import map: no module is imported by a bare name).
    /// <list type="bullet">
    /// <item><c>style-src 'unsafe-inline'</c>: MudBlazor renders its theme as a <c>&lt;style&gt;</c> element and sizes,
    /// positions and colours components through <c>style</c> attributes; without it every page falls apart.
    /// Styles cannot run code, and no user input is ever written into one.</item>
    /// <item><c>connect-src 'self'</c> covers Blazor's WebSocket to the same host.</item>
    /// <item><c>img-src</c> and <c>font-src data:</c>: MudBlazor and Scalar inline small images and icons.</item>
    /// <item>No <c>form-action</c>: sign-in with OpenID Connect posts to the portal, which redirects to the identity
    /// provider, and browsers apply form-action to that redirect too.</item>
    /// </list>
    /// </summary>
    private const string Policy =
        "default-src 'self'; script-src 'self'{0}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        + "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

    private static readonly object NonceKey = new();

    public static IHostApplicationBuilder AddSecurityHeaders(this IHostApplicationBuilder builder)
    {
        // The server's name tells an attacker which exploits to try, and nobody else anything.
        builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.AddServerHeader = false);
        // Identity's cookies are Secure over https already; antiforgery's and the OpenID Connect correlation
        // cookies are not by default. Never downgraded: a cookie that asks for Secure keeps it over http.
        builder.Services.Configure<CookiePolicyOptions>(cookies => cookies.Secure = CookieSecurePolicy.SameAsRequest);
        return builder;
    }

    /// <summary>First in the pipeline, so that every response gets the headers, error pages included.</summary>
    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.Use((http, next) =>
        {
            http.Response.OnStarting(() =>
            {
                var headers = http.Response.Headers;
                var nonce = http.Items[NonceKey] is string value ? $" 'nonce-{value}'" : "";
                headers.ContentSecurityPolicy = string.Format(System.Globalization.CultureInfo.InvariantCulture, Policy, nonce);
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY"; // frame-ancestors, for browsers that predate it
                // Cluster names and operation ids are in the portal's URLs; other sites need not learn them.
                headers["Referrer-Policy"] = "no-referrer";
                return Task.CompletedTask;
            });
            return next(http);
        });
        app.UseCookiePolicy();
        return app;
    }

    /// <summary>
    /// A nonce for this response's inline scripts, allowed by its policy. Only for pages that are not ours and come
    /// with an inline script (Scalar's API reference); the portal's own pages have none.
    /// </summary>
    public static string ScriptNonce(HttpContext http)
    {
        if (http.Items[NonceKey] is not string nonce) http.Items[NonceKey] = nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        return nonce;
    }
}
