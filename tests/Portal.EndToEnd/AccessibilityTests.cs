using Microsoft.Playwright;
using TestSupport.Portal;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEnd;

/// <summary>
/// Every page a person works with, in every state a cluster shows, at a desktop width and on a 390 px phone, in the
/// light and the dark theme: no serious or critical axe-core violation (WCAG 2.2 AA).
/// </summary>
public sealed class AccessibilityTests(BrowserFixture browser)
{
    private const int TestTimeout = 240_000;

    [Theory(Timeout = TestTimeout)]
    [InlineData(1400, 1000, "light")]
    [InlineData(390, 844, "light")]
    [InlineData(1400, 1000, "dark")]
    public async Task EveryPage_InEveryClusterState_HasNoSeriousAccessibilityViolation(int width, int height, string scheme)
    {
        await using var session = await PortalSession.StartAsync(browser, TestContext.Current.CancellationToken, timeScale: 0.3);
        var page = session.Page;
        await page.EmulateMediaAsync(new() { ColorScheme = scheme == "dark" ? ColorScheme.Dark : ColorScheme.Light });
        await page.SetViewportSizeAsync(width, height);
        var api = session.Api;
        var failed = await api.CreateClusterAsync(new { name = "a11y-failed", simulation = new { failResource = "natGatewayA" } });
        var cancelled = await api.CreateClusterAsync(new { name = "a11y-cancelled" });
        await api.PostAsync($"/api/v1/operations/{cancelled["operation"]!["id"]}/cancel", null, TestContext.Current.CancellationToken);
        var deploying = await api.CreateClusterAsync(new { name = "a11y-deploying" });

        await CheckAsync(session, "/clusters", "cluster list");
        await CheckAsync(session, "/clusters/a11y-deploying", "cluster page, deploying", () => Expect(page.GetByTestId("operation-progress").GetByTestId("operation-state")).ToContainTextAsync("running"));
        await CheckAsync(session, "/clusters/new", "create form");
        await page.GetByTestId("name").FillAsync("Not_A_Name"); // refused by the portal: the form shows its errors
        await page.GetByTestId("submit").ClickAsync();
        await session.ScreenshotAsync($"create-errors-{width}-{scheme}");
        await Expect(page.GetByTestId("form-errors")).ToBeVisibleAsync();
        await Axe.AssertAccessibleAsync(page, $"create form with errors ({width} px, {scheme})");
        await CheckAsync(session, "/tokens", "tokens page");
        await CheckAsync(session, "/admin/teams", "teams page");
        await CheckAsync(session, "/admin/audit", "audit trail");
        await api.WaitForOperationAsync((string)failed["operation"]!["id"]!);
        await CheckAsync(session, "/clusters/a11y-failed", "cluster page, failed", () => Expect(session.Status).ToHaveTextAsync("failed"));
        await CheckAsync(session, "/clusters/a11y-cancelled", "cluster page, cancelled", () => Expect(page.GetByTestId("operation-progress").GetByTestId("operation-state")).ToContainTextAsync("cancelled"));
        await api.WaitForOperationAsync((string)deploying["operation"]!["id"]!, TimeSpan.FromMinutes(3));
        await CheckAsync(session, "/clusters/a11y-deploying", "cluster page, ready", () => Expect(session.Status).ToHaveTextAsync("ready"));
        await session.ScreenshotAsync($"ready-{width}-{scheme}");

        async Task CheckAsync(PortalSession s, string path, string what, Func<Task>? until = null)
        {
            await s.OpenAsync(path);
            await Expect(s.Page.GetByTestId("theme")).ToHaveAttributeAsync("data-theme", scheme);
            if (until is not null) await until();
            // Colours change with a short transition when the theme applies: axe reads them once they have settled.
            await s.Page.WaitForTimeoutAsync(400);
            await Axe.AssertAccessibleAsync(s.Page, $"{what} ({width} px, {scheme})");
        }
    }
}
