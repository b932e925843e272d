using Microsoft.Playwright;
using TestSupport.Portal;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEnd;

/// <summary>Teams see only their own clusters, and the admin can trace who did what.</summary>
public sealed class AccessTests(BrowserFixture browser)
{
    private const int TestTimeout = 90_000;
    private const string AlicePassword = "Alice-password-2026", BobPassword = "Bob-password-2026";

    [Fact(Timeout = TestTimeout)]
    public async Task Clusters_OfAnotherTeam_AreInvisibleAndTheAdminTracesTheCreate()
    {
        await using var session = await PortalSession.StartSignedOutAsync(browser, TestContext.Current.CancellationToken, timeScale: 0);
        await session.Api.CreateMemberAsync("alice@portal.test", AlicePassword, "team-a");
        await session.Api.CreateMemberAsync("bob@portal.test", BobPassword, "team-b");
        var page = session.Page;

        // A team-a member creates a cluster through the form; the only team offered is hers.
        await session.SignInAsync("alice@portal.test", AlicePassword);
        await session.OpenAsync("/clusters/new");
        await Expect(page.GetByTestId("team")).ToContainTextAsync("team-a");
        await session.SubmitCreateFormAsync("alices-cluster");
        await Expect(session.Status).ToHaveTextAsync("ready");
        await session.ScreenshotAsync("alice-ready");
        await session.SignOutAsync();

        // A team-b member sees no trace of it: not in the list, and its page does not exist for him.
        await session.SignInAsync("bob@portal.test", BobPassword);
        await session.OpenAsync("/clusters");
        await Expect(page.GetByTestId("empty-state")).ToBeVisibleAsync();
        await Expect(page.GetByText("alices-cluster")).ToHaveCountAsync(0);
        var direct = await page.GotoAsync("/clusters/alices-cluster");
        Assert.Equal(404, direct!.Status);
        await Expect(page.GetByText("There is nothing at this address")).ToBeVisibleAsync();
        await session.ScreenshotAsync("bob-sees-nothing");
        await session.SignOutAsync();

        // The admin finds the create in the audit trail, filters to it and downloads it as CSV.
        await session.SignInAsync(PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);
        await session.OpenAsync("/admin/audit");
        await Expect(page.GetByTestId("chain-status")).ToContainTextAsync("Chain verified");
        await page.GetByTestId("filter-action").FillAsync("cluster.create");
        await page.GetByTestId("filter-target").FillAsync("alices-cluster");
        await page.GetByTestId("apply-filters").ClickAsync();
        var rows = page.GetByTestId("audit-table").Locator("tbody tr").Filter(new() { Has = page.GetByTestId("audit-action") });
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First.GetByTestId("audit-actor")).ToContainTextAsync("alice@portal.test");
        await Expect(rows.First.GetByTestId("audit-target")).ToContainTextAsync("cluster alices-cluster");
        await session.ScreenshotAsync("audit-filtered");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-csv").ClickAsync());
        var csv = await File.ReadAllLinesAsync(await download.PathAsync(), TestContext.Current.CancellationToken);
        Assert.StartsWith("id,timestamp,actorType", csv[0]);
        var line = Assert.Single(csv.Skip(1));
        Assert.Contains("\"alice@portal.test\"", line);
        Assert.Contains("\"cluster.create\"", line);
        Assert.Contains("\"alices-cluster\"", line);
    }
}
