using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Portal.Clusters;
using Provisioning.Topology;
using TestSupport;
using TestSupport.Portal;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEnd;

/// <summary>
/// One test's portal (its own Kestrel host and database) and one browser page pointed at it, with
/// the few steps every scenario needs: open a page once it is interactive, fill the create form,
/// take a screenshot per key step.
/// </summary>
public sealed partial class PortalSession : IAsyncDisposable
{
    /// <summary>Upper bound for any single wait; a whole scenario stays well inside the test timeout.</summary>
    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);

    private readonly IBrowserContext _context;
    private readonly string _screenshots;
    private readonly CancellationTokenRegistration _onCancel;
    private int _step;

    private PortalSession(KestrelPortalFactory portal, IBrowserContext context, IPage page, string screenshots, CancellationToken cancellationToken)
    {
        Portal = portal;
        _context = context;
        Page = page;
        _screenshots = screenshots;
        // Playwright's waits take no token: closing the context is what ends them when the test times out.
        _onCancel = cancellationToken.Register(() => _ = context.CloseAsync());
    }

    public KestrelPortalFactory Portal { get; }
    public IPage Page { get; }

    /// <summary>The portal's REST API as the bootstrap admin.</summary>
    public HttpClient Api => _api ??= Portal.CreateApiClient();
    private HttpClient? _api;

    /// <summary>Where screenshots go: <c>E2E_ARTIFACTS</c>, else <c>artifacts/e2e</c> in the repository.</summary>
    public static string ArtifactsDirectory { get; } =
        Environment.GetEnvironmentVariable("E2E_ARTIFACTS") is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(SharedData.RepositoryRoot, "artifacts", "e2e");

    /// <summary>A portal and a browser signed in as the bootstrap admin.</summary>
    /// <param name="timeScale">The simulated engine's latency factor: big enough to watch progress, small enough to be quick.</param>
    /// <param name="configure">Changes the portal's settings before it starts, e.g. <see cref="PortalAppFactory.UseFakePulumi"/>.</param>
    public static async Task<PortalSession> StartAsync(
        BrowserFixture browser, CancellationToken cancellationToken, double timeScale = 0.04, Action<PortalAppFactory>? configure = null)
    {
        var session = await StartSignedOutAsync(browser, cancellationToken, timeScale, configure);
        _ = session.Api; // the default team exists before the form offers teams
        await session.SignInAsync(PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);
        return session;
    }

    public static async Task<PortalSession> StartSignedOutAsync(
        BrowserFixture browser, CancellationToken cancellationToken, double timeScale = 0.04, Action<PortalAppFactory>? configure = null)
    {
        browser.EnsureAvailable(); // before paying for a host
        var portal = new KestrelPortalFactory(timeScale);
        try
        {
            configure?.Invoke(portal);
            var baseAddress = portal.Start();
            var context = await browser.NewContextAsync(baseAddress);
            context.SetDefaultTimeout((float)StepTimeout.TotalMilliseconds);
            SetDefaultExpectTimeout((float)StepTimeout.TotalMilliseconds);
            var page = await context.NewPageAsync();
            var test = TestContext.Current.TestMethod?.MethodName ?? "unknown";
            var screenshots = Path.Combine(ArtifactsDirectory, test);
            if (Directory.Exists(screenshots)) Directory.Delete(screenshots, recursive: true); // only this run's steps
            Directory.CreateDirectory(screenshots);
            return new PortalSession(portal, context, page, screenshots, cancellationToken);
        }
        catch
        {
            await portal.DisposeAsync();
            throw;
        }
    }

    /// <summary>Signs in through the sign-in page, as a person would.</summary>
    public async Task SignInAsync(string email, string password)
    {
        await Page.GotoAsync("/account/login");
        await Page.GetByTestId("email").FillAsync(email);
        await Page.GetByTestId("password").FillAsync(password);
        await Page.GetByTestId("signin").ClickAsync();
        await Expect(Page.GetByTestId("signed-in-as")).ToHaveTextAsync(email);
    }

    /// <summary>Signs out with the app bar's button.</summary>
    public async Task SignOutAsync()
    {
        await Page.GetByTestId("signout").ClickAsync();
        await Expect(Page.GetByTestId("signin")).ToBeVisibleAsync();
    }

    /// <summary>Opens <paramref name="path"/> and waits until the Blazor circuit has taken over the prerendered page.</summary>
    public async Task OpenAsync(string path)
    {
        await Page.GotoAsync(path);
        await Expect(Page.GetByTestId("interactive")).ToBeAttachedAsync();
        await Expect(Page.GetByTestId("theme")).ToBeAttachedAsync();
    }

    /// <summary>
    /// POSTs to the API as the signed-in browser would: with its cookie and the antiforgery header
    /// a page script fetches first. The answer is Playwright's, for status and body.
    /// </summary>
    public async Task<IAPIResponse> PostAsBrowserAsync(string path)
    {
        var antiforgery = await (await Page.APIRequest.GetAsync("/api/v1/antiforgery")).JsonAsync();
        var header = antiforgery!.Value.GetProperty("headerName").GetString()!;
        var token = antiforgery.Value.GetProperty("token").GetString()!;
        return await Page.APIRequest.PostAsync(path, new() { Headers = new Dictionary<string, string> { [header] = token } });
    }

    /// <summary>Fills the create form with defaults except the name (and optionally a resource that fails), and submits it.</summary>
    public async Task SubmitCreateFormAsync(string name, string? failResource = null)
    {
        await Page.GetByTestId("name").FillAsync(name);
        if (failResource is not null) await ChooseAsync(Page.GetByTestId("fail-resource"), failResource);
        await ScreenshotAsync("form-filled");
        await Page.GetByTestId("submit").ClickAsync();
        await Expect(Page.GetByTestId("cluster-name")).ToHaveTextAsync(name);
    }

    /// <summary>Picks <paramref name="item"/> in a MudSelect, whose list lives in a popover outside the select.</summary>
    public async Task ChooseAsync(ILocator select, string item)
    {
        await select.ClickAsync();
        var option = Page.Locator(".mud-popover-open").GetByText(item, new() { Exact = true });
        await option.ClickAsync();
        // The chosen text is drawn beside the (empty, read-only) input, inside the select's frame.
        await Expect(Page.Locator(".mud-input-control").Filter(new() { Has = select })).ToContainTextAsync(item);
    }

    // Records every value the progress text takes, from the page itself: a poll from the test
    // could miss short-lived values, and a reload would wipe the record (so it also proves none happened).
    private const string RecordProgressScript = """
        () => {
            window.__progress = [];
            window.__serverStates = new Set();
            const record = () => {
                const text = document.querySelector('[data-testid=progress-text]')?.textContent?.trim();
                if (text && window.__progress.at(-1) !== text) window.__progress.push(text);
                document.querySelectorAll('[data-node-role=server]').forEach(n => window.__serverStates.add(n.dataset.state));
            };
            new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
        }
        """;

    /// <summary>From now on the page records every progress text it shows (see <see cref="ProgressSeenAsync"/>).</summary>
    public Task RecordProgressAsync() => Page.EvaluateAsync(RecordProgressScript);

    /// <summary>Every state the topology picture's servers took since <see cref="RecordProgressAsync"/>.</summary>
    public async Task<IReadOnlySet<string>> ServerStatesSeenAsync() =>
        (await Page.EvaluateAsync<string[]>("() => [...window.__serverStates]")).ToHashSet();

    /// <summary>Waits until the page has shown a progress strictly between none and all.</summary>
    public Task WaitForIntermediateProgressAsync() => Page.WaitForFunctionAsync("""
        () => window.__progress.some(t => { const [done, total] = t.match(/\d+/g).map(Number); return done > 0 && done < total; })
        """);

    /// <summary>
    /// Every progress value recorded since <see cref="RecordProgressAsync"/>, after checking that it
    /// counts towards <paramref name="total"/>, only ever grows and had at least two values in between.
    /// </summary>
    public async Task<IReadOnlyList<string>> ProgressSeenAsync(int total)
    {
        var seen = await Page.EvaluateAsync<string[]?>("() => window.__progress");
        Assert.NotNull(seen); // gone if the page had been reloaded
        TestContext.Current.TestOutputHelper?.WriteLine($"Progress seen: {string.Join(" | ", seen)}");
        var progress = seen.Select(ParseProgress).ToList();
        Assert.All(progress, p => Assert.Equal(total, p.Total));
        var done = progress.Select(p => p.Done).ToList();
        Assert.Equal(done.Order(), done); // only ever grows
        Assert.True(done.Where(d => d > 0 && d < total).Distinct().Count() >= 2,
            $"Expected at least two intermediate progress values, saw: {string.Join(" | ", seen)}");
        return seen;
    }

    /// <summary>
    /// Creates <paramref name="name"/> through the form on an open create page and watches it to Ready:
    /// progress seen live in between, and every planned resource shown as created. Returns the plan.
    /// </summary>
    public async Task<IReadOnlyList<string>> CreateThroughFormAndWatchUntilReadyAsync(string name)
    {
        await RecordProgressAsync();
        await SubmitCreateFormAsync(name);
        var plan = await PlanResourceNamesAsync(name);
        await WaitForIntermediateProgressAsync();
        await ScreenshotAsync("in-progress");

        await Expect(Status).ToHaveTextAsync("ready");
        await Expect(Page.GetByTestId("progress-text")).ToHaveTextAsync($"{plan.Count} of {plan.Count} resources");
        await ScreenshotAsync("ready");
        await ProgressSeenAsync(plan.Count);
        var rows = await ResourceStatesAsync();
        Assert.Equal(plan.Order(), rows.Keys.Order());
        Assert.All(rows, row => Assert.Equal("created", row.Value));
        return plan;
    }

    /// <summary>The resources the cluster's stored spec plans, by the same builder the engine uses.</summary>
    public async Task<IReadOnlyList<string>> PlanResourceNamesAsync(string name)
    {
        await using var db = Portal.CreateDbContext();
        var cluster = await db.Clusters.Where(c => c.Name == name).OrderByDescending(c => c.CreatedAt).FirstOrDefaultAsync(TestContext.Current.CancellationToken);
        Assert.NotNull(cluster);
        return TopologyPlanBuilder.Build(ClusterView.From(cluster).Spec).Resources.Select(r => r.Name).ToList();
    }

    /// <summary>The resource table as shown: name → state ("created", "deleted", …).</summary>
    public async Task<Dictionary<string, string?>> ResourceStatesAsync()
    {
        var states = new Dictionary<string, string?>();
        foreach (var row in await ResourceRows.AllAsync())
            states.Add((await row.GetAttributeAsync("data-resource"))!, await row.GetAttributeAsync("data-state"));
        return states;
    }

    public ILocator Status => Page.GetByTestId("cluster-status");

    public ILocator ResourceRows => Page.Locator("tr[data-resource]");

    /// <summary>"N of M resources" as numbers.</summary>
    public static (int Done, int Total) ParseProgress(string text)
    {
        var match = ProgressPattern().Match(text);
        Assert.True(match.Success, $"Unexpected progress text '{text}'.");
        return (int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value));
    }

    [GeneratedRegex(@"(\d+) of (\d+) resources")]
    private static partial Regex ProgressPattern();

    public async Task ScreenshotAsync(string step)
    {
        var file = Path.Combine(_screenshots, $"{++_step:00}-{step}.png");
        await Page.ScreenshotAsync(new() { Path = file, FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        // Whatever happened, the last state of the page is the most useful picture of a failure.
        try { await ScreenshotAsync("last"); } catch (PlaywrightException) { }
        await _onCancel.DisposeAsync();
        await _context.DisposeAsync();
        _api?.Dispose();
        await Portal.DisposeAsync();
    }
}
