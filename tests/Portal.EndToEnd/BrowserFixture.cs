using System.Diagnostics.CodeAnalysis;
using Microsoft.Playwright;
using Portal.EndToEnd;
using TestSupport;

[assembly: AssemblyFixture(typeof(BrowserFixture))]
// Timing-sensitive browser tests on a 2-core machine: one at a time keeps them honest and fast enough.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]

namespace Portal.EndToEnd;

/// <summary>
/// One headless Debian chromium for the whole assembly, driven by Playwright's bundled driver.
/// Playwright's own browser downloads are unreachable here, so the system chromium is used.
/// Locally a missing chromium skips the tests; in CI (<c>CI=true</c>) it fails them.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public static string ExecutablePath { get; } = Environment.GetEnvironmentVariable("E2E_CHROMIUM") ?? "/usr/bin/chromium";

    private static readonly string[] Args =
    [
        "--no-sandbox", // root in containers and CI: chromium's sandbox refuses to start there
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ExecutablePath)) return; // reported per test, where Skip/Fail is allowed
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = ExecutablePath, Headless = true, Args = Args });
    }

    /// <summary>A fresh, isolated browser context (cookies, storage) for one test.</summary>
    public async Task<IBrowserContext> NewContextAsync(Uri baseAddress)
    {
        EnsureAvailable();
        return await _browser.NewContextAsync(new()
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new() { Width = 1400, Height = 1000 },
        });
    }

    /// <summary>Skips the calling test (fails it in CI) when there is no chromium to drive.</summary>
    [MemberNotNull(nameof(_browser))]
    public void EnsureAvailable()
    {
        if (_browser is not null) return;
        var message = $"Chromium is missing at {ExecutablePath}: install it (apt-get install chromium) or set E2E_CHROMIUM.";
        if (SharedData.IsCi) Assert.Fail(message);
        Assert.Skip(message);
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
