using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using TestSupport;
using TestSupport.Portal;

namespace Portal.ProcessTests;

/// <summary>
/// Stylesheets and scripts are served whole wherever the portal is started from: the published copy run from an
/// unrelated folder, as a systemd unit or <c>dotnet /opt/portal/Portal.dll</c> from <c>/</c> would, and the build output.
/// </summary>
public sealed partial class StaticFilesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PublishedPortal_StartedFromAnotherFolder_ServesEveryLinkedAssetWholeAndPrecompressed()
    {
        var published = await PublishAsync();
        var elsewhere = Directory.CreateTempSubdirectory("portal-cwd-").FullName;
        await using var portal = new PortalProcess(portalDll: Path.Combine(published, "Portal.dll"), workingDirectory: elsewhere);
        await portal.StartAsync();

        var assets = await LinkedAssetsAsync(portal.Http);
        Assert.Contains(assets, a => a.EndsWith(".css", StringComparison.Ordinal));
        Assert.Contains(assets, a => a.EndsWith(".js", StringComparison.Ordinal));
        // The components' scoped styles, which hide the reconnect modal's states until they apply.
        Assert.Contains(assets, a => a.StartsWith("Portal.", StringComparison.Ordinal) && a.EndsWith(".styles.css", StringComparison.Ordinal));
        foreach (var asset in assets)
        {
            using var plain = await GetAsync(portal.Http, asset, encoding: null);
            var body = await plain.Content.ReadAsByteArrayAsync(Ct);
            Assert.True(plain.StatusCode == HttpStatusCode.OK && body.Length > 0, $"{asset}: {(int)plain.StatusCode} with {body.Length} bytes");
            Assert.Equal(plain.Content.Headers.ContentLength, body.Length);

            using var brotli = await GetAsync(portal.Http, asset, encoding: "br");
            Assert.Equal(HttpStatusCode.OK, brotli.StatusCode);
            Assert.Equal(["br"], brotli.Content.Headers.ContentEncoding);
            await using var decoded = new BrotliStream(await brotli.Content.ReadAsStreamAsync(Ct), CompressionMode.Decompress);
            using var copy = new MemoryStream();
            await decoded.CopyToAsync(copy, Ct);
            Assert.True(body.AsSpan().SequenceEqual(copy.ToArray()), $"{asset}: the Brotli copy is not the file");
        }
        // The MudBlazor stylesheet is the package's file, byte for byte.
        using var mud = await GetAsync(portal.Http, "_content/MudBlazor/MudBlazor.min.css", encoding: null);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(published, "wwwroot", "_content", "MudBlazor", "MudBlazor.min.css"), Ct),
            await mud.Content.ReadAsByteArrayAsync(Ct));
        Assert.Empty(Directory.GetFileSystemEntries(elsewhere)); // nothing of the application's was looked for or written there
    }

    [Fact]
    public async Task PublishedPortal_AssetFileMissing_AnswersNotFoundNotAnEmptyOk()
    {
        var published = await PublishAsync();
        File.Delete(Path.Combine(published, "wwwroot", "_content", "MudBlazor", "MudBlazor.min.js.map"));
        await using var portal = new PortalProcess(portalDll: Path.Combine(published, "Portal.dll"), workingDirectory: Path.GetTempPath());
        await portal.StartAsync();

        using var missing = await GetAsync(portal.Http, "_content/MudBlazor/MudBlazor.min.js.map", encoding: null);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var present = await GetAsync(portal.Http, "_content/MudBlazor/MudBlazor.min.js", encoding: null);
        Assert.Equal(HttpStatusCode.OK, present.StatusCode);
    }

    [Fact]
    public async Task BuildOutput_StartedFromAnotherFolder_ServesEveryLinkedAssetWhole()
    {
        await using var portal = new PortalProcess(workingDirectory: Directory.CreateTempSubdirectory("portal-cwd-").FullName);
        await portal.StartAsync();

        foreach (var asset in await LinkedAssetsAsync(portal.Http))
        {
            using var response = await GetAsync(portal.Http, asset, encoding: null);
            var body = await response.Content.ReadAsByteArrayAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK && body.Length > 0, $"{asset}: {(int)response.StatusCode} with {body.Length} bytes");
        }
    }

    /// <summary>Every stylesheet and script the sign-in page links.</summary>
    private static async Task<List<string>> LinkedAssetsAsync(HttpClient http)
    {
        var page = await http.GetStringAsync("/account/login", Ct);
        return [.. LinkedAsset().Matches(page).Select(m => m.Groups["url"].Value).Distinct()];
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient http, string path, string? encoding)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/" + path.TrimStart('/'));
        if (encoding is not null) request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue(encoding));
        return await http.SendAsync(request, Ct);
    }

    /// <summary>
    /// <c>dotnet publish --no-build</c> of the portal the tests were built with, into a fresh folder: the layout an
    /// operator deploys, compressed copies included.
    /// </summary>
    private static async Task<string> PublishAsync()
    {
        var output = Directory.CreateTempSubdirectory("portal-published-").FullName;
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "publish", Path.Combine(SharedData.RepositoryRoot, "src", "Portal", "Portal.csproj"),
                     "--no-build", "-c", configuration, "-o", output, "-nologo" })
            info.ArgumentList.Add(arg);
        using var publish = Process.Start(info)!;
        var log = publish.StandardOutput.ReadToEndAsync(Ct);
        var errors = publish.StandardError.ReadToEndAsync(Ct);
        await publish.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromMinutes(5), Ct);
        Assert.True(publish.ExitCode == 0, $"dotnet publish failed:\n{await log}\n{await errors}");
        return output;
    }

    [GeneratedRegex("""<(?:link rel="stylesheet" href|script src)="(?<url>[^"]+)""")]
    private static partial Regex LinkedAsset();
}
