using TestSupport.Portal;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEnd;

/// <summary>
/// The same browser flow as <see cref="ClusterLifecycleTests"/> with Provisioning:Engine=Pulumi:
/// the portal drives the fake pulumi CLI (tests/FakePulumi) through the real Pulumi engine.
/// </summary>
public sealed class PulumiLifecycleTests(BrowserFixture browser)
{
    // Two CLI runs of a few dozen slowed steps each, plus the CLI's own start-ups, on a shared 2-core machine.
    private const int TestTimeout = 120_000;

    /// <summary>Slow enough that the page shows several values in between, quick enough for both runs.</summary>
    private static readonly TimeSpan StepDelay = TimeSpan.FromMilliseconds(120);

    [Fact(Timeout = TestTimeout)]
    public async Task CreateThenDestroy_PulumiEngineWithFakeCli_ShowsLiveProgressReadyThenDestroyed()
    {
        await using var session = await PortalSession.StartAsync(browser, TestContext.Current.CancellationToken,
            configure: portal => portal.UseFakePulumi(StepDelay));
        var page = session.Page;
        await session.OpenAsync("/clusters/new");
        await Expect(page.GetByTestId("engine-label")).ToHaveTextAsync("Pulumi · AWS");

        var plan = await session.CreateThroughFormAndWatchUntilReadyAsync("pulumi-one");
        // The stack's outputs as Pulumi reports them; unlike the simulated engine's, they list no
        // server instances (the auto-scaling groups own those), so there are no datacenter panels.
        await Expect(page.GetByTestId("outputs").Locator("[data-output=vpcId]")).ToContainTextAsync("vpc-");
        // Deployed for real (as far as the portal knows): nothing may call it simulated.
        await Expect(page.GetByTestId("simulated-label")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("engine-chip")).ToHaveTextAsync("pulumi");
        await Expect(page.GetByTestId("engine-label")).ToHaveTextAsync("Pulumi · AWS");

        await page.GetByTestId("destroy").ClickAsync();
        await page.GetByTestId("confirm-name").FillAsync("pulumi-one");
        await page.GetByTestId("confirm-destroy").ClickAsync();

        await Expect(session.Status).ToHaveTextAsync("destroyed");
        await Expect(session.ResourceRows.And(page.Locator("[data-state=deleted]"))).ToHaveCountAsync(plan.Count);
        await session.ScreenshotAsync("destroyed");
    }
}
