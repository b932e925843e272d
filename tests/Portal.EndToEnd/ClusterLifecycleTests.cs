using TestSupport.Portal;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEnd;

/// <summary>A person creating, watching, destroying and retrying clusters in a real browser.</summary>
public sealed class ClusterLifecycleTests(BrowserFixture browser)
{
    private const int TestTimeout = 60_000;

    [Fact(Timeout = TestTimeout)]
    public async Task CreateCluster_ThroughForm_ShowsLiveProgressThenReadyWithEveryResourceCreated()
    {
        await using var session = await PortalSession.StartAsync(browser, TestContext.Current.CancellationToken);
        var page = session.Page;
        await session.OpenAsync("/clusters/new");
        await session.CreateThroughFormAndWatchUntilReadyAsync("live-one");

        await Expect(page.GetByTestId("outputs").Locator("[data-datacenter]")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("outputs")).Not.ToContainTextAsync("Outputs appear once the cluster is ready");

        // The picture followed the deployment live, then took Consul's verdict: every server healthy, one leader per datacenter.
        var seen = await session.ServerStatesSeenAsync();
        Assert.True(seen.Overlaps(["pending", "creating"]) && seen.Contains("created") && seen.Contains("healthy"), $"server states seen: {string.Join(", ", seen)}");
        var topology = page.GetByTestId("topology");
        await Expect(topology).ToHaveAttributeAsync("data-mode", "health");
        await Expect(topology.Locator("[data-node-role=server][data-state=healthy]")).ToHaveCountAsync(6);
        await Expect(topology.Locator("[data-node-role=server][data-leader]")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("health-status")).ToHaveTextAsync("healthy");
        // A node's details, from the keyboard as well as by a click.
        await topology.Locator("[data-leader] button").First.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByTestId("node-role")).ToHaveTextAsync("server, the datacenter's leader");
        await page.Keyboard.PressAsync("Space");
        await Expect(page.GetByTestId("node-details")).ToHaveCountAsync(0);
        await session.ScreenshotAsync("ready-topology");
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
        var plan = await session.PlanResourceNamesAsync("doomed");
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
}
