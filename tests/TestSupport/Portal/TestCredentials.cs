using System.Net.Http.Headers;

namespace TestSupport.Portal;

/// <summary>
/// The one identity every test uses: a bootstrap administrator and its API token, given to the
/// portal through the same settings an operator would use, and sent by <see cref="Authorize"/>.
/// Until authentication is enforced the header is ignored; afterwards tests keep working unchanged.
/// </summary>
public static class TestCredentials
{
    public const string AdminEmail = "admin@example.test";
    public const string AdminPassword = "Test-Only-Passw0rd!-7c1d";
    /// <summary><c>pat_</c> followed by 43 base64url characters (32 bytes), the portal's token format.</summary>
    public const string ApiToken = "pat_T3st0nlyT0kenT3st0nlyT0kenT3st0nlyT0ken1-_x";

    /// <summary>The bootstrap settings, keyed as in configuration (<c>Identity:BootstrapAdmin:Email</c>).</summary>
    public static IReadOnlyDictionary<string, string> BootstrapSettings { get; } = new Dictionary<string, string>
    {
        ["Identity:BootstrapAdmin:Email"] = AdminEmail,
        ["Identity:BootstrapAdmin:Password"] = AdminPassword,
        ["Identity:BootstrapAdmin:ApiToken"] = ApiToken,
    };

    /// <summary>Every API request of a test goes through a client authorized here.</summary>
    public static HttpClient Authorize(this HttpClient http)
    {
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiToken);
        return http;
    }
}
