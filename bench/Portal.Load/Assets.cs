using System.Text.RegularExpressions;

namespace Portal.Load;

/// <summary>
/// What the sign-in page loads (MudBlazor's stylesheet, the app's stylesheets and scripts) and the OpenAPI document,
/// each fetched as a browser would (<c>Accept-Encoding: br, gzip</c>) and without compression, as served.
/// </summary>
public static partial class Assets
{
    public sealed record Answer(int Status, string? Encoding, long Bytes);

    public sealed record Row(string Path, Answer Plain, Answer Browser);

    public static async Task<List<Row>> MeasureAsync(PortalInstance portal)
    {
        using var anonymous = PortalInstance.Client(portal.Address, authorized: false);
        var html = await anonymous.GetStringAsync("/account/login");
        var paths = AssetReference().Matches(html).Select(m => "/" + m.Groups["path"].Value.TrimStart('/')).Distinct().ToList();
        paths.Add("/openapi/v1.json");
        var rows = new List<Row>();
        foreach (var path in paths)
            rows.Add(new Row(path, await FetchAsync(anonymous, path, null), await FetchAsync(anonymous, path, "br, gzip")));
        return rows;
    }

    /// <summary>One GET; the body's length as it came over the wire (the client decompresses nothing).</summary>
    public static async Task<Answer> FetchAsync(HttpClient http, string path, string? acceptEncoding)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (acceptEncoding is not null) request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        return new Answer((int)response.StatusCode, response.Content.Headers.ContentEncoding.FirstOrDefault(), body.LongLength);
    }

    /// <summary>Stylesheets and scripts the page links, fingerprinted by MapStaticAssets (<c>app.abc123.css</c>).</summary>
    [GeneratedRegex("""<(?:link[^>]*\bhref|script[^>]*\bsrc)="(?<path>[^"#?]+\.(?:css|js))"[^>]*>""")]
    private static partial Regex AssetReference();

    /// <summary>The name without its fingerprint, for a table that reads the same across commits.</summary>
    public static string Display(string path) => Fingerprint().Replace(path, ".");

    [GeneratedRegex(@"\.[a-z0-9]{10}\.")]
    private static partial Regex Fingerprint();
}
