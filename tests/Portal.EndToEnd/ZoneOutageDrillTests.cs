using TestSupport.Portal;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEnd;

/// <summary>The resilience promise, clicked through: a ready cluster loses a zone, keeps serving from the other, and heals.</summary>
public sealed class ZoneOutageDrillTests(BrowserFixture browser)
{
    private const string Lost = "eu-west-1a", Survivor = "eu-west-1b";

    [Fact(Timeout = 120_000)]
    public async Task ZoneOutageDrill_ReadyCluster_SurvivorHealthyClientsMovedThenRestoredHealthy()
    {
        await using var session = await PortalSession.StartAsync(browser, TestContext.Current.CancellationToken, timeScale: 0.02);
        var page = session.Page;
        await session.Api.CreateClusterAsync(new { name = "resilient" });
        await session.OpenAsync("/clusters/resilient");
        await Expect(session.Status).ToHaveTextAsync("ready", new() { Timeout = 60_000 });
        var health = page.GetByTestId("health-panel");
        await Expect(health).ToHaveAttributeAsync("data-health", "healthy");
        var servers = page.Locator("[data-node-role=server]");
        var clients = page.Locator("[data-node-role=client]");
        await Expect(servers.And(page.Locator("[data-state=healthy]"))).ToHaveCountAsync(6);
        await Expect(clients.And(page.Locator($"[data-zone={Lost}]"))).ToHaveCountAsync(3);

        await session.ChooseAsync(page.GetByTestId("drill-zone"), $"{Lost} (primary)");
        await page.GetByTestId("simulate-outage").ClickAsync();

        await Expect(session.Status).ToHaveTextAsync("degraded", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("drill-status")).ToContainTextAsync(Lost);
        await Expect(page.Locator($"tr[data-health-datacenter={Lost}]")).ToHaveAttributeAsync("data-reachable", "false");
        var survivor = page.Locator($"tr[data-health-datacenter={Survivor}]");
        await Expect(survivor).ToHaveAttributeAsync("data-reachable", "true");
        await Expect(survivor.GetByTestId("dc-leader")).Not.ToHaveTextAsync("none");
        await Expect(servers.And(page.Locator($"[data-zone={Lost}]")).And(page.Locator("[data-state=unreachable]"))).ToHaveCountAsync(3);
        await Expect(servers.And(page.Locator($"[data-zone={Survivor}]")).And(page.Locator("[data-state=healthy]"))).ToHaveCountAsync(3);
        await Expect(clients.And(page.Locator($"[data-zone={Survivor}]"))).ToHaveCountAsync(5);
        await Expect(page.Locator($"[data-node-role=client][data-moved-from={Lost}]")).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("drill-broken")).ToContainTextAsync("ACL");
        await session.ScreenshotAsync("zone-down");

        await page.GetByTestId("restore-zone").ClickAsync();

        await Expect(session.Status).ToHaveTextAsync("ready", new() { Timeout = 60_000 });
        await Expect(health).ToHaveAttributeAsync("data-health", "healthy");
        await Expect(servers.And(page.Locator("[data-state=healthy]"))).ToHaveCountAsync(6);
        await Expect(clients.And(page.Locator($"[data-zone={Lost}]"))).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("drill-status")).ToHaveCountAsync(0);
        await session.ScreenshotAsync("zone-restored");
    }
}
