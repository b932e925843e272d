using Microsoft.EntityFrameworkCore;
using Portal.Clusters;
using TestSupport.Portal;
using Provisioning.Topology;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEnd;

/// <summary>A person creating, watching, destroying and retrying clusters in a real browser.</summary>
public sealed class ClusterLifecycleTests(BrowserFixture browser)
{
    private const int TestTimeout = 60_000;

    // Records every value the progress text takes, from the page itself: a poll from the test
    // could miss short-lived values, and a reload would wipe the record (so it also proves none happened).
    private const string RecordProgress = """
        () => {
            window.__progress = [];
            const record = () => {
                const text = document.querySelector('[data-testid=progress-text]')?.textContent?.trim();
                if (text && window.__progress.at(-1) !== text) window.__progress.push(text);
            };
            new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
        }
        """;

    [Fact(Timeout = TestTimeout)]
    public async Task CreateCluster_ThroughForm_ShowsLiveProgressThenReadyWithEveryResourceCreated()
    {
        await using var session = await PortalSession.StartAsync(browser, TestContext.Current.CancellationToken);
        var page = session.Page;
        await session.OpenAsync("/clusters/new");
        await page.EvaluateAsync(RecordProgress);

        await session.SubmitCreateFormAsync("live-one");
        var plan = await PlanResourceNamesAsync(session, "live-one");
        await page.WaitForFunctionAsync("""
            () => window.__progress.some(t => { const [done, total] = t.match(/\d+/g).map(Number); return done > 0 && done < total; })
            """);
        await session.ScreenshotAsync("in-progress");

        await Expect(session.Status).ToHaveTextAsync("ready");
        await Expect(page.GetByTestId("progress-text")).ToHaveTextAsync($"{plan.Count} of {plan.Count} resources");
        await session.ScreenshotAsync("ready");

        var seen = await page.EvaluateAsync<string[]?>("() => window.__progress");
        Assert.NotNull(seen); // gone if the page had been reloaded
        TestContext.Current.TestOutputHelper?.WriteLine($"Progress seen: {string.Join(" | ", seen)}");
        var progress = seen.Select(PortalSession.ParseProgress).ToList();
        Assert.All(progress, p => Assert.Equal(plan.Count, p.Total));
        var done = progress.Select(p => p.Done).ToList();
        Assert.Equal(done.Order(), done); // only ever grows
        Assert.True(done.Where(d => d > 0 && d < plan.Count).Distinct().Count() >= 2,
            $"Expected at least two intermediate progress values, saw: {string.Join(" | ", seen)}");

        var rows = await ResourceStatesAsync(session);
        Assert.Equal(plan.Order(), rows.Keys.Order());
        Assert.All(rows, row => Assert.Equal("created", row.Value));
        await Expect(page.GetByTestId("outputs").Locator("[data-datacenter]")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("outputs")).Not.ToContainTextAsync("Outputs appear once the cluster is ready");
    }

    [Fact(Timeout = TestTimeout)]
    public async Task DestroyCluster_AfterTypingItsName_ReachesDestroyed()
    {
        await using var session = await PortalSession.StartAsync(browser, TestContext.Current.CancellationToken);
        var page = session.Page;
        await session.Api.CreateClusterAsync(new { name = "doomed" });
        await session.OpenAsync("/clusters/doomed");
        await Expect(session.Status).ToHaveTextAsync("ready");

        await page.GetByTestId("destroy").ClickAsync();
        var confirm = page.GetByTestId("confirm-destroy");
        await Expect(confirm).ToBeDisabledAsync(); // nothing is destroyed by a stray click
        await page.GetByTestId("confirm-name").FillAsync("doomed");
        await session.ScreenshotAsync("confirm");
        await confirm.ClickAsync();

        await Expect(session.Status).ToHaveTextAsync("destroyed");
        var plan = await PlanResourceNamesAsync(session, "doomed");
        await Expect(session.ResourceRows).ToHaveCountAsync(plan.Count);
        await Expect(session.ResourceRows.And(page.Locator("[data-state=deleted]"))).ToHaveCountAsync(plan.Count);
        await Expect(page.GetByTestId("destroy")).ToHaveCountAsync(0);
        await session.ScreenshotAsync("destroyed");
    }

    [Fact(Timeout = TestTimeout)]
    public async Task CreateCluster_WithInjectedFailure_ShowsFailedResourceThenRetryReachesReady()
    {
        const string failing = "serverGroupB";
        await using var session = await PortalSession.StartAsync(browser, TestContext.Current.CancellationToken);
        var page = session.Page;
        await session.OpenAsync("/clusters/new");

        await session.SubmitCreateFormAsync("flaky-one", failResource: failing);

        await Expect(session.Status).ToHaveTextAsync("failed");
        await Expect(page.GetByTestId("operation-error")).ToContainTextAsync(failing);
        await Expect(page.Locator($"tr[data-resource={failing}]")).ToHaveAttributeAsync("data-state", "failed");
        await session.ScreenshotAsync("failed");

        await page.GetByTestId("retry").ClickAsync();

        await Expect(session.Status).ToHaveTextAsync("ready");
        await Expect(page.GetByTestId("operation-error")).ToHaveCountAsync(0);
        await Expect(page.Locator($"tr[data-resource={failing}]")).ToHaveAttributeAsync("data-state", "created");
        await session.ScreenshotAsync("retried");
    }

    /// <summary>The resources the cluster's stored spec plans, by the same builder the engine uses.</summary>
    private static async Task<IReadOnlyList<string>> PlanResourceNamesAsync(PortalSession session, string name)
    {
        await using var db = session.Portal.CreateDbContext();
        var cluster = await db.Clusters.Where(c => c.Name == name).OrderByDescending(c => c.CreatedAt).FirstOrDefaultAsync(TestContext.Current.CancellationToken);
        Assert.NotNull(cluster);
        return TopologyPlanBuilder.Build(ClusterView.From(cluster).Spec).Resources.Select(r => r.Name).ToList();
    }

    private static async Task<Dictionary<string, string?>> ResourceStatesAsync(PortalSession session)
    {
        var rows = await session.ResourceRows.AllAsync();
        var states = new Dictionary<string, string?>();
        foreach (var row in rows)
            states.Add((await row.GetAttributeAsync("data-resource"))!, await row.GetAttributeAsync("data-state"));
        return states;
    }
}
