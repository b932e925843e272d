using System.Net.Http.Json;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using TestSupport.Portal;

namespace Portal.Tests.Api;

/// <summary>Compression as a client sees it, over a real socket: which answers come encoded, and that they decode to the same JSON.</summary>
public sealed class CompressionTests : IAsyncDisposable
{
    private readonly PortalAppFactory _app = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Theory]
    [InlineData("br")]
    [InlineData("gzip")]
    public async Task OpenApiDocument_ClientAcceptsEncoding_IsServedCompressed(string encoding)
    {
        using var client = RawClient(_app.StartOnKestrel());

        using var response = await GetAsync(client, "/openapi/v1.json", encoding);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([encoding], response.Content.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", response.Headers.Vary);
        var (compressed, text) = await ReadAsync(response);
        Assert.StartsWith("3.1", (string)JsonNode.Parse(text)!["openapi"]!);
        Assert.True(compressed * 4 < text.Length, $"{compressed} compressed bytes for {text.Length}");
    }

    [Fact]
    public async Task ListClusters_LargePage_IsCompressedAndAShortAnswerIsNot()
    {
        using var client = RawClient(_app.StartOnKestrel());
        var admin = _app.CreateApiClient();
        for (var i = 0; i < 8; i++) await admin.CreateClusterAsync(new { name = $"many-{i}" });

        using var list = await GetAsync(client, "/api/v1/clusters?limit=50", "gzip, br");
        using var empty = await GetAsync(client, "/api/v1/clusters?q=nothing-matches", "gzip, br");

        Assert.Equal(["br"], list.Content.Headers.ContentEncoding);
        var (_, text) = await ReadAsync(list);
        Assert.Equal(8, JsonNode.Parse(text)!["items"]!.AsArray().Count);
        Assert.Empty(empty.Content.Headers.ContentEncoding);
        Assert.Equal("""{"items":[],"next":null}""", await empty.Content.ReadAsStringAsync(Ct));
        Assert.Equal(24, empty.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task ListClusters_ClientAcceptsNoEncoding_IsServedAsIs()
    {
        using var client = RawClient(_app.StartOnKestrel());
        var admin = _app.CreateApiClient();
        for (var i = 0; i < 4; i++) await admin.CreateClusterAsync(new { name = $"plain-{i}" });

        using var response = await GetAsync(client, "/api/v1/clusters", encoding: null);

        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Equal(4, JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task SecretAnswers_EvenWithNoMinimumSize_AreNeverCompressed()
    {
        _app.Settings["Api:CompressionMinimumBytes"] = "0"; // every other answer is compressed, however short
        using var client = RawClient(_app.StartOnKestrel());
        var admin = _app.CreateApiClient();
        await admin.WaitForOperationAsync((string)(await admin.CreateClusterAsync(new { name = "secretive" }))["operation"]!["id"]!);

        using var detail = await GetAsync(client, "/api/v1/clusters/secretive", "br");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/clusters/secretive/secrets/management-token");
        request.Headers.AcceptEncoding.ParseAdd("br, gzip");
        using var reveal = await client.SendAsync(request, Ct);

        Assert.Equal(["br"], detail.Content.Headers.ContentEncoding);
        Assert.Equal(HttpStatusCode.OK, reveal.StatusCode);
        Assert.Empty(reveal.Content.Headers.ContentEncoding);
        Assert.False(string.IsNullOrEmpty((string?)JsonNode.Parse(await reveal.Content.ReadAsStringAsync(Ct))!["managementToken"]));

        // A new personal access token, and the antiforgery token: BREACH's first target was a CSRF token.
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/v1/tokens") { Content = JsonContent.Create(new { name = "ci", scopes = new[] { "clusters:read" } }) };
        create.Headers.AcceptEncoding.ParseAdd("br, gzip");
        using var created = await client.SendAsync(create, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Empty(created.Content.Headers.ContentEncoding);
        Assert.StartsWith("pat_", (string?)JsonNode.Parse(await created.Content.ReadAsStringAsync(Ct))!["token"]);
        using var antiforgery = await GetAsync(client, "/api/v1/antiforgery", "br, gzip");
        Assert.Equal(HttpStatusCode.OK, antiforgery.StatusCode);
        Assert.Empty(antiforgery.Content.Headers.ContentEncoding);
    }

    /// <summary>A client that decodes nothing itself, as the admin: what it receives is what went over the wire.</summary>
    private HttpClient RawClient(string url)
    {
        _app.CreateApiClient(); // the default team
        var client = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = new Uri(url) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PortalAppFactory.AdminToken);
        return client;
    }

    private static Task<HttpResponseMessage> GetAsync(HttpClient client, string url, string? encoding)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (encoding is not null) request.Headers.AcceptEncoding.ParseAdd(encoding);
        return client.SendAsync(request, Ct);
    }

    /// <summary>The bytes on the wire and the text they decode to.</summary>
    private static async Task<(int Compressed, string Text)> ReadAsync(HttpResponseMessage response)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(Ct);
        using Stream decoder = response.Content.Headers.ContentEncoding.Single() switch
        {
            "br" => new BrotliStream(new MemoryStream(bytes), CompressionMode.Decompress),
            "gzip" => new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress),
            var other => throw new InvalidOperationException($"unexpected encoding {other}"),
        };
        using var reader = new StreamReader(decoder);
        return (bytes.Length, await reader.ReadToEndAsync(Ct));
    }
}
