using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEnd;

/// <summary>What a person types the moment a page appears is kept when the page becomes interactive.</summary>
public sealed class EarlyInputTests(BrowserFixture browser)
{
    private const int TestTimeout = 60_000;

    [Theory(Timeout = TestTimeout)]
    [InlineData("/clusters/new", "name", "early-bird")]
    [InlineData("/tokens", "token-name", "ci-deploys")]
    public async Task InputPage_TypedIntoAsSoonAsItShows_KeepsEveryCharacter(string path, string field, string text)
    {
        await using var session = await PortalSession.StartAsync(browser, TestContext.Current.CancellationToken);
        var page = session.Page;
        // A slow network, held still: the page's script arrives a second and a half after its HTML, so there is a
        // moment before interactivity to type in (on a fast machine it is too short to hit reliably otherwise).
        await page.RouteAsync("**/_framework/blazor.web.js*", async route =>
        {
            await Task.Delay(1500);
            await route.ContinueAsync();
        });

        // No wait for the circuit: typing starts as soon as the field can take it, as a fast person's would.
        await page.GotoAsync(path, new() { WaitUntil = WaitUntilState.Commit });
        var input = page.GetByTestId(field);
        await input.ClickAsync();
        await input.PressSequentiallyAsync(text);
        await Expect(page.GetByTestId("interactive")).ToBeAttachedAsync();

        await Expect(input).ToHaveValueAsync(text);
        // Still there once everything the page loads has settled: no second render wiped it.
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await Expect(input).ToHaveValueAsync(text);
    }
}
