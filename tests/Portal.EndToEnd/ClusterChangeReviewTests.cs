using System.Text.Json.Nodes;
using TestSupport.Portal;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEnd;

/// <summary>A person changing a running cluster in a real browser: change, review what it does, apply exactly that.</summary>
public sealed class ClusterChangeReviewTests(BrowserFixture browser)
{
    private const int TestTimeout = 90_000;

    [Fact(Timeout = TestTimeout)]
    public async Task ChangeCluster_ReviewedThenApplied_ShowsTheDiffThenRunsTheUpdateAsPreviewed()
    {
        await using var session = await PortalSession.StartAsync(browser, TestContext.Current.CancellationToken);
        var page = session.Page;
        await session.Api.CreateClusterAsync(new { name = "reshaped", timeToLiveHours = 30 });
        await session.OpenAsync("/clusters/reshaped");
        await Expect(session.Status).ToHaveTextAsync("ready");
        await Expect(page.GetByTestId("node-counts")).ToContainTextAsync("5 clients");
        await Expect(page.GetByTestId("expires-in")).ToContainTextAsync("expires in 1 d 5 h");

        await page.GetByTestId("change").ClickAsync();
        var clients = page.Locator("[data-testid=change-clients] input, input[data-testid=change-clients]");
        await clients.FillAsync("8");
        await clients.PressAsync("Tab");
        await page.GetByTestId("review").ClickAsync();

        await Expect(page.GetByTestId("review-summary")).ToHaveTextAsync("+0 ~1 −0");
        var change = page.GetByTestId("review-change");
        await Expect(change).ToHaveCountAsync(1);
        await Expect(change).ToContainTextAsync("clientGroup");
        await Expect(change).ToContainTextAsync("5 → 8: launches 3 instance(s)");
        await Expect(page.GetByTestId("node-counts")).ToContainTextAsync("5 clients"); // reviewing changed nothing
        await session.ScreenshotAsync("review");

        await page.GetByTestId("apply").ClickAsync();

        await Expect(page.GetByTestId("change-dialog")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("node-counts")).ToContainTextAsync("8 clients", new() { Timeout = 30_000 });
        await Expect(session.Status).ToHaveTextAsync("ready");
        var operations = (await session.Api.GetJsonAsync("/api/v1/clusters/reshaped/operations"))["items"]!.AsArray();
        var update = operations.Single(o => (string)o!["kind"]! == "update")!;
        var preview = operations.Single(o => (string)o!["kind"]! == "preview")!;
        Assert.Equal((string)preview["id"]!, (string)update["previewOf"]!);
        Assert.Equal("succeeded", (string)update["state"]!);
        Assert.Equal(8, (await session.Api.GetJsonAsync("/api/v1/clusters/reshaped"))["outputs"]!["clients"]!.AsArray().Count);
        await session.ScreenshotAsync("applied");
    }
}
