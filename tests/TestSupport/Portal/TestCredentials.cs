using System.Net.Http.Headers;

namespace TestSupport.Portal;

/// <summary>
/// The one identity every test uses: a bootstrap administrator and its API token, given to the
/// portal through the same settings an operator would use, and sent by <see cref="Authorize"/>.
/// The same as <see cref="PortalAppFactory"/>'s, for portals started as separate processes.
/// </summary>
public static class TestCredentials
{
    public const string AdminEmail = PortalAppFactory.AdminEmail;
    public const string AdminPassword = PortalAppFactory.AdminPassword;
    public const string ApiToken = PortalAppFactory.AdminToken;

    /// <summary>The bootstrap settings, keyed as in configuration (<c>Identity:BootstrapAdmin:Email</c>).</summary>
    public static IReadOnlyDictionary<string, string> BootstrapSettings { get; } = new Dictionary<string, string>
    {
        ["Identity:BootstrapAdmin:Email"] = AdminEmail,
        ["Identity:BootstrapAdmin:Password"] = AdminPassword,
        ["Identity:BootstrapAdmin:ApiToken"] = ApiToken,
    };

    /// <summary>Every API request of a process test goes through a client authorized here.</summary>
    public static HttpClient Authorize(this HttpClient http)
    {
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiToken);
        return http;
    }
}
