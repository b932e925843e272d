using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using TestSupport.Portal;

namespace Portal.Tests.Api;

/// <summary>Hostile and careless input: every request is refused with a 4xx problem, none breaks the server, nothing is stored.</summary>
public sealed partial class BadInputTests : IAsyncDisposable
{
    private readonly PortalAppFactory _app = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    public sealed record BadRequest(string Name, HttpMethod Method, string Url, string? Body = null, string? ContentType = "application/json",
        byte[]? RawBody = null, IReadOnlyDictionary<string, string>? Headers = null)
    {
        public override string ToString() => Name;
    }

    private const string Clusters = "/api/v1/clusters";
    private static readonly string UnknownOperation = $"/api/v1/operations/{Guid.NewGuid()}";

    private static BadRequest Create(string name, string body) => new(name, HttpMethod.Post, Clusters, body);

    public static IEnumerable<BadRequest> Requests() =>
    [
        // Broken JSON
        Create("truncated object", "{\"name\": "),
        Create("lone brace", "{"),
        Create("empty body", ""),
        Create("json null", "null"),
        Create("array instead of object", "[]"),
        Create("string instead of object", "\"alpha\""),
        Create("trailing garbage", "{\"name\":\"trailing\"}{\"x\":1}"),
        Create("single quotes", "{'name':'alpha'}"),
        Create("comment in json", "{\"name\":\"alpha\" /* hi */}"),
        Create("trailing comma", "{\"name\":\"alpha\",}"),
        new("invalid utf-8", HttpMethod.Post, Clusters, RawBody: [(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}']),
        Create("too deeply nested", "{\"name\":\"deep\",\"simulation\":{\"failResource\":" + new string('[', 200) + new string(']', 200) + "}}"),
        // Wrong types and numbers
        Create("number as name", "{\"name\": 5}"),
        Create("string as count", "{\"name\":\"alpha\",\"clientCount\":\"five\"}"),
        Create("fraction as count", "{\"name\":\"alpha\",\"clientCount\":1.5}"),
        Create("huge exponent", "{\"name\":\"alpha\",\"clientCount\":1e400}"),
        Create("overflowing integer", "{\"name\":\"alpha\",\"clientCount\":99999999999999999999999}"),
        Create("negative count", "{\"name\":\"alpha\",\"clientCount\":-1}"),
        Create("int.MaxValue count", "{\"name\":\"alpha\",\"clientCount\":2147483647}"),
        Create("boolean as servers", "{\"name\":\"alpha\",\"serversPerAz\":true}"),
        Create("string as zones", "{\"name\":\"alpha\",\"availabilityZones\":\"eu-west-1a\"}"),
        Create("numbers as zones", "{\"name\":\"alpha\",\"availabilityZones\":[1,2]}"),
        Create("object as team", "{\"name\":\"alpha\",\"team\":{}}"),
        Create("nan", "{\"name\":\"alpha\",\"clientCount\":NaN}"),
        // Unknown and duplicate fields
        Create("unknown field", "{\"name\":\"alpha\",\"unknown\":1}"),
        Create("unknown nested field", "{\"name\":\"alpha\",\"simulation\":{\"failResource\":\"vpc\",\"extra\":1}}"),
        Create("misspelt field", "{\"name\":\"alpha\",\"clientcnt\":3}"),
        Create("duplicate field", "{\"name\":\"alpha\",\"name\":\"beta\"}"),
        // Hostile strings
        Create("script tag in name", "{\"name\":\"<script>alert(1)</script>\"}"),
        Create("path traversal in name", "{\"name\":\"../../etc/passwd\"}"),
        Create("nul in name", "{\"name\":\"ab\\u0000cd\"}"),
        Create("newline in name", "{\"name\":\"ab\\r\\ncd\"}"),
        Create("upper-case name", "{\"name\":\"ALPHA\"}"),
        Create("very long name", "{\"name\":\"" + new string('a', 5000) + "\"}"),
        Create("sql in name", "{\"name\":\"x'; DROP TABLE Clusters;--\"}"),
        Create("script tag in team", "{\"name\":\"alpha\",\"team\":\"<b>x</b>\"}"),
        Create("traversal in region", "{\"name\":\"alpha\",\"region\":\"../../x\"}"),
        Create("nonsense cidr", "{\"name\":\"alpha\",\"vpcCidr\":\"999.1.1.1/99\"}"),
        Create("unknown fault resource", "{\"name\":\"alpha\",\"simulation\":{\"failResource\":\"../vpc\"}}"),
        // Size and content type
        Create("oversized body", "{\"name\":\"alpha\",\"team\":\"" + new string('a', 70 * 1024) + "\"}"),
        new("text/plain body", HttpMethod.Post, Clusters, "{\"name\":\"alpha\"}", "text/plain"),
        new("xml body", HttpMethod.Post, Clusters, "<cluster name=\"alpha\"/>", "application/xml"),
        new("form body", HttpMethod.Post, Clusters, "name=alpha", "application/x-www-form-urlencoded"),
        new("no content type", HttpMethod.Post, Clusters, "{\"name\":\"alpha\"}", null),
        new("idempotency key too long", HttpMethod.Post, Clusters, "{\"name\":\"alpha\"}", Headers: new Dictionary<string, string> { ["Idempotency-Key"] = new('k', 300) }),
        new("idempotency key with space", HttpMethod.Post, Clusters, "{\"name\":\"alpha\"}", Headers: new Dictionary<string, string> { ["Idempotency-Key"] = "a b" }),
        // Updates and previews
        new("patch unknown cluster", new HttpMethod("PATCH"), Clusters + "/nope", "{\"clientCount\":3}"),
        new("patch empty", new HttpMethod("PATCH"), Clusters + "/nope", "{}"),
        new("patch text/plain", new HttpMethod("PATCH"), Clusters + "/nope", "{\"clientCount\":3}", "text/plain"),
        new("patch unknown field", new HttpMethod("PATCH"), Clusters + "/nope", "{\"region\":\"us-east-1\"}"),
        new("preview wrong type", HttpMethod.Post, Clusters + "/nope/preview", "{\"clientCount\":\"x\"}"),
        new("preview time to live", HttpMethod.Post, Clusters + "/nope/preview", "{\"timeToLiveHours\":5}"),
        new("patch negative time to live", new HttpMethod("PATCH"), Clusters + "/nope", "{\"timeToLiveHours\":-5}"),
        new("patch time to live too long", new HttpMethod("PATCH"), Clusters + "/nope", "{\"timeToLiveHours\":721}"),
        Create("negative time to live", "{\"name\":\"alpha\",\"timeToLiveHours\":-5}"),
        Create("zero time to live", "{\"name\":\"alpha\",\"timeToLiveHours\":0}"),
        Create("too many clients", "{\"name\":\"alpha\",\"clientCount\":51}"),
        new("apply bad guid", HttpMethod.Post, "/api/v1/operations/123/apply", ContentType: null),
        new("apply unknown operation", HttpMethod.Post, UnknownOperation + "/apply", ContentType: null),
        // Bad paths, GUIDs and methods
        new("traversal in path", HttpMethod.Get, Clusters + "/..%2F..%2Fetc%2Fpasswd", ContentType: null),
        new("script in path", HttpMethod.Get, Clusters + "/%3Cscript%3E", ContentType: null),
        new("delete unknown cluster", HttpMethod.Delete, Clusters + "/nope", ContentType: null),
        new("bad guid", HttpMethod.Get, "/api/v1/operations/not-a-guid", ContentType: null),
        new("unknown guid", HttpMethod.Get, UnknownOperation, ContentType: null),
        new("retry bad guid", HttpMethod.Post, "/api/v1/operations/123/retry", ContentType: null),
        new("cancel unknown operation", HttpMethod.Post, UnknownOperation + "/cancel", ContentType: null),
        new("retry unknown operation", HttpMethod.Post, UnknownOperation + "/retry", ContentType: null),
        new("unknown api route", HttpMethod.Get, "/api/v1/nope", ContentType: null),
        new("unknown api version", HttpMethod.Get, "/api/v2/clusters", ContentType: null),
        new("method not allowed", HttpMethod.Put, Clusters + "/alpha", "{}"),
        new("delete collection", HttpMethod.Delete, Clusters, ContentType: null),
        // Bad query values
        new("limit zero", HttpMethod.Get, Clusters + "?limit=0", ContentType: null),
        new("limit too large", HttpMethod.Get, Clusters + "?limit=100000", ContentType: null),
        new("limit not a number", HttpMethod.Get, Clusters + "?limit=abc", ContentType: null),
        new("limit overflow", HttpMethod.Get, Clusters + "?limit=99999999999999", ContentType: null),
        new("unknown status", HttpMethod.Get, Clusters + "?status=bogus", ContentType: null),
        new("numeric status", HttpMethod.Get, Clusters + "?status=1", ContentType: null),
        new("garbage cursor", HttpMethod.Get, Clusters + "?cursor=!!!", ContentType: null),
        new("forged cursor", HttpMethod.Get, Clusters + "?cursor=" + Convert.ToBase64String(Encoding.UTF8.GetBytes("x\ny\nz")).TrimEnd('='), ContentType: null),
        new("long q", HttpMethod.Get, Clusters + "?q=" + new string('q', 100), ContentType: null),
        new("unknown operation kind", HttpMethod.Get, "/api/v1/operations?kind=nope", ContentType: null),
        new("operations limit negative", HttpMethod.Get, "/api/v1/operations?limit=-5", ContentType: null),
        new("events after not a number", HttpMethod.Get, UnknownOperation + "/events?after=abc", ContentType: null),
        new("cluster operations bad status", HttpMethod.Get, Clusters + "/nope/operations?status=done", ContentType: null),
        // Tokens
        new("token unknown scope", HttpMethod.Post, Tokens, "{\"name\":\"t\",\"scopes\":[\"root\"],\"expiresAt\":\"2030-01-01T00:00:00Z\"}"),
        new("token expiry in the past", HttpMethod.Post, Tokens, "{\"name\":\"t\",\"scopes\":[\"clusters:read\"],\"expiresAt\":\"2000-01-01T00:00:00Z\"}"),
        new("token outliving the token that makes it", HttpMethod.Post, Tokens, "{\"name\":\"t\",\"scopes\":[\"clusters:read\"],\"expiresAt\":\"9999-01-01T00:00:00Z\"}"),
        new("token expiry not a date", HttpMethod.Post, Tokens, "{\"name\":\"t\",\"scopes\":[\"clusters:read\"],\"expiresAt\":\"soon\"}"),
        new("token scopes not a list", HttpMethod.Post, Tokens, "{\"name\":\"t\",\"scopes\":\"admin\"}"),
        new("revoke token bad guid", HttpMethod.Delete, Tokens + "/not-a-guid", ContentType: null),
        new("revoke unknown token", HttpMethod.Delete, Tokens + $"/{Guid.NewGuid()}", ContentType: null),
        // Crafted cursors: well-formed, but holding values no list ever hands out
        new("cursor with negative time", HttpMethod.Get, Clusters + "?cursor=" + Cursor("alpha", "-1", Guid.Empty.ToString()), ContentType: null),
        new("cursor beyond the last time", HttpMethod.Get, Clusters + "?cursor=" + Cursor("alpha", "3155378976000000000", Guid.Empty.ToString()), ContentType: null),
        new("operations cursor with negative time", HttpMethod.Get, "/api/v1/operations?cursor=" + Cursor("-5", Guid.Empty.ToString()), ContentType: null),
        new("cluster operations cursor beyond time", HttpMethod.Get, Clusters + "/nope/operations?cursor=" + Cursor(long.MaxValue.ToString(), Guid.Empty.ToString()), ContentType: null),
        new("cursor of invalid utf-8", HttpMethod.Get, Clusters + "?cursor=" + System.Buffers.Text.Base64Url.EncodeToString([0xC3, 0x28, 0x0A, 0x31, 0x0A, 0x32]), ContentType: null),
        // Character sets other than UTF-8
        new("unknown charset", HttpMethod.Post, Clusters, "{\"name\":\"alpha\"}", "application/json; charset=bogus"),
        new("utf-16 charset", HttpMethod.Post, Clusters, "{\"name\":\"alpha\"}", "application/json; charset=utf-16"),
        new("patch unknown charset", new HttpMethod("PATCH"), Clusters + "/nope", "{\"clientCount\":3}", "application/merge-patch+json; charset=x-nope"),
        new("token unknown charset", HttpMethod.Post, "/api/v1/tokens", "{\"name\":\"t\"}", "application/json; charset=\"\""),
        // Numbers as strings
        Create("string digits as count", "{\"name\":\"alpha\",\"clientCount\":\"5\"}"),
        Create("string digits as servers", "{\"name\":\"alpha\",\"serversPerAz\":\"3\"}"),
        Create("string digits as retention", "{\"name\":\"alpha\",\"logRetentionDays\":\"30\"}"),
        Create("string digits as ttl", "{\"name\":\"alpha\",\"timeToLiveHours\":\"1\"}"),
        new("patch string digits", new HttpMethod("PATCH"), Clusters + "/nope", "{\"clientCount\":\"5\"}"),
        // Addresses with leading zeros (read as octal by some parsers: 010 is 8)
        Create("leading zero octet", "{\"name\":\"alpha\",\"vpcCidr\":\"010.0.0.0/16\"}"),
        Create("leading zero prefix", "{\"name\":\"alpha\",\"vpcCidr\":\"10.0.0.0/016\"}"),
        Create("signed prefix", "{\"name\":\"alpha\",\"vpcCidr\":\"10.0.0.0/+16\"}"),
        Create("leading zero admin octet", "{\"name\":\"alpha\",\"adminCidr\":\"192.168.01.0/24\"}"),
        // Names: control and bidi characters, and length
        new("nul in team display name", HttpMethod.Post, "/api/v1/teams", "{\"name\":\"team-nul\",\"displayName\":\"a\\u0000b\"}"),
        new("bidi override in team display name", HttpMethod.Post, "/api/v1/teams", "{\"name\":\"team-bidi\",\"displayName\":\"abc\\u202Egpj.exe\"}"),
        new("long team display name", HttpMethod.Post, "/api/v1/teams", "{\"name\":\"team-long\",\"displayName\":\"" + new string('d', 20_000) + "\"}"),
        new("nul in user display name", HttpMethod.Post, "/api/v1/users", "{\"email\":\"nul@portal.test\",\"password\":\"Long-enough-2026\",\"displayName\":\"a\\u0000b\"}"),
        new("bidi isolate in user display name", HttpMethod.Post, "/api/v1/users", "{\"email\":\"bidi@portal.test\",\"password\":\"Long-enough-2026\",\"displayName\":\"\\u2067admin\\u2069\"}"),
        new("long user display name", HttpMethod.Post, "/api/v1/users", "{\"email\":\"long@portal.test\",\"password\":\"Long-enough-2026\",\"displayName\":\"" + new string('d', 20_000) + "\"}"),
        new("bidi in email", HttpMethod.Post, "/api/v1/users", "{\"email\":\"ev\\u202Eil@portal.test\",\"password\":\"Long-enough-2026\"}"),
        new("bidi override in token name", HttpMethod.Post, "/api/v1/tokens", "{\"name\":\"ci\\u202E\",\"scopes\":[\"clusters:read\"],\"expiresAt\":\"" + NextWeek + "\"}"),
        new("zero-width in token name", HttpMethod.Post, "/api/v1/tokens", "{\"name\":\"c\\u200Bi\",\"scopes\":[\"clusters:read\"],\"expiresAt\":\"" + NextWeek + "\"}"),
        new("line separator in token name", HttpMethod.Post, "/api/v1/tokens", "{\"name\":\"c\\u2028i\",\"scopes\":[\"clusters:read\"],\"expiresAt\":\"" + NextWeek + "\"}"),
    ];

    private const string Tokens = "/api/v1/tokens";

    private static string NextWeek => DateTimeOffset.UtcNow.AddDays(7).ToString("O");

    private static string Cursor(params string[] values) => System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Join('\n', values)));

    [Fact]
    public async Task Api_MalformedRequests_Answer4xxProblemAndStoreNothing()
    {
        var http = _app.CreateApiClient();
        var before = await StoredAsync();
        var requests = Requests().ToList();
        Assert.True(requests.Count >= 50, $"only {requests.Count} malformed requests");
        var failures = new List<string>();

        foreach (var bad in requests)
        {
            using var request = new HttpRequestMessage(bad.Method, bad.Url);
            if (bad.RawBody is not null) request.Content = new ByteArrayContent(bad.RawBody);
            else if (bad.Body is not null) request.Content = new StringContent(bad.Body, Encoding.UTF8);
            if (request.Content is not null)
                request.Content.Headers.ContentType = bad.ContentType is null ? null : MediaTypeHeaderValue.Parse(bad.ContentType);
            if (request.Content is not null && bad.RawBody is not null) request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            foreach (var (name, value) in bad.Headers ?? new Dictionary<string, string>()) request.Headers.TryAddWithoutValidation(name, value);

            using var response = await http.SendAsync(request, Ct);
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync(Ct);
            if (status is < 400 or >= 500) { failures.Add($"{bad}: {status} {text}"); continue; }
            if (response.Content.Headers.ContentType?.MediaType != "application/problem+json") { failures.Add($"{bad}: {status} is not problem+json but {response.Content.Headers.ContentType}"); continue; }
            var problem = JsonNode.Parse(text)!;
            if ((int?)problem["status"] != status) failures.Add($"{bad}: problem status {problem["status"]} differs from {status}");
            if (problem["type"]?.GetValue<string>().StartsWith("https://portal.example/problems/", StringComparison.Ordinal) != true)
                failures.Add($"{bad}: problem type {problem["type"]} is not one of ours");
            if (DotnetTypeName().IsMatch(text)) failures.Add($"{bad}: the problem names a .NET type: {text}");
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        await using var db = _app.CreateDbContext();
        Assert.Equal(0, await db.Clusters.CountAsync(Ct));
        Assert.Equal(0, await db.Operations.CountAsync(Ct));
        Assert.Equal(0, await db.IdempotencyKeys.CountAsync(Ct));
        Assert.Equal(before, await StoredAsync());
    }

    /// <summary>What the bad requests to the team, account and token endpoints could have stored.</summary>
    private async Task<string> StoredAsync()
    {
        await using var db = _app.CreateDbContext();
        return $"teams {await db.Teams.CountAsync(Ct)}, users {await db.Users.CountAsync(Ct)}, tokens {await db.PersonalAccessTokens.CountAsync(Ct)}";
    }

    [Theory]
    [InlineData("{\"name\":\"alpha\",\"colour\":\"red\"}", "colour", "'colour' is not a field of this request.")]
    [InlineData("{\"name\":\"alpha\",\"simulation\":{\"failResource\":\"vpc\",\"extra\":1}}", "simulation.extra", "'simulation.extra' is not a field of this request.")]
    [InlineData("{\"name\":\"alpha\",\"clientCount\":\"five\"}", "clientCount", "'clientCount' must be a whole number.")]
    [InlineData("{\"name\":\"alpha\",\"clientCount\":\"5\"}", "clientCount", "'clientCount' must be a whole number.")]
    [InlineData("{\"name\":\"alpha\",\"serversPerAz\":\"3\"}", "serversPerAz", "'serversPerAz' must be a whole number.")]
    [InlineData("{\"name\":\"alpha\",\"availabilityZones\":\"eu-west-1a\"}", "availabilityZones", "'availabilityZones' must be a list.")]
    [InlineData("{\"name\":5}", "name", "'name' must be a string.")]
    [InlineData("{\"name\":\"alpha\",\"name\":\"beta\"}", "name", "'name' appears more than once.")]
    public async Task CreateCluster_UnusableField_Answers400NamingTheFieldAndWhatItMustBe(string body, string field, string message)
    {
        var http = _app.CreateApiClient();

        using var response = await http.PostAsync(Clusters, new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(400, (int)response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal($"The request body is not valid: {message}", (string)problem["detail"]!);
        Assert.Equal(message, (string)problem["errors"]![field]![0]!);
    }

    [GeneratedRegex(@"\b(System|Portal|Provisioning)\.[A-Z]\w+")]
    private static partial Regex DotnetTypeName();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CreateCluster_ChunkedOversizedBodyOnKestrel_Answers413Problem(bool withIdempotencyKey)
    {
        _app.StartOnKestrel(); // the body size limit of a real server, for a body that announces no length
        var http = _app.CreateApiClient();
        var body = "{\"name\":\"alpha\",\"team\":\"" + new string('a', 100 * 1024) + "\"}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/clusters")
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body))),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;
        if (withIdempotencyKey) request.Headers.Add("Idempotency-Key", "chunked");

        using var response = await http.SendAsync(request, Ct);

        Assert.Equal(413, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        await using var db = _app.CreateDbContext();
        Assert.Equal(0, await db.Clusters.CountAsync(Ct));
        Assert.Equal(0, await db.IdempotencyKeys.CountAsync(Ct));
    }
}
