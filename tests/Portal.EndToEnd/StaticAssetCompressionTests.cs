using System.Net;
using System.Text.RegularExpressions;

namespace Portal.EndToEnd;

/// <summary>The stylesheets and scripts a page links, as a browser fetches them: the precompressed copies, not the raw files.</summary>
public sealed partial class StaticAssetCompressionTests
{
    [Fact(Timeout = 120_000)]
    public async Task LinkedAssets_BrowserAcceptsCompression_AreServedPrecompressed()
    {
        await using var portal = new KestrelPortalFactory(timeScale: 0);
        using var http = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = portal.Start() };
        var page = await http.GetStringAsync("/account/login", TestContext.Current.CancellationToken);
        var assets = LinkedAsset().Matches(page).Select(m => m.Groups["path"].Value).ToList();
        Assert.Contains(assets, a => a.StartsWith("_content/MudBlazor/MudBlazor.min", StringComparison.Ordinal) && a.EndsWith(".css", StringComparison.Ordinal));
        Assert.Contains(assets, a => a.StartsWith("_framework/blazor.web", StringComparison.Ordinal));

        var raw = new List<string>();
        foreach (var asset in assets)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, asset);
            // A build has gzip copies; a publish adds Brotli, which the same negotiation prefers.
            request.Headers.AcceptEncoding.ParseAdd("br, gzip");
            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            if (!response.Content.Headers.ContentEncoding.Any(e => e is "br" or "gzip")) raw.Add(asset);
        }

        Assert.True(raw.Count == 0, $"served uncompressed: {string.Join(", ", raw)}");
    }

    [GeneratedRegex(@"(?:href|src)=""(?<path>[^""]+\.(?:css|js))""")]
    private static partial Regex LinkedAsset();
}
