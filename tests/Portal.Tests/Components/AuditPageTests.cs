using Bunit;
using Portal.Components.Pages.Admin;
using TestSupport.Portal;

namespace Portal.Tests.Components;

public sealed class AuditPageTests : PortalComponentContext
{
    [Fact]
    public async Task AuditPage_ClickOnAnExpandedRowsDetails_KeepsTheDetailsOpenAndTheCircuitAlive()
    {
        UsePortalServices();
        await Api.CreateClusterAsync(new { name = "audited" });
        var page = Render<Audit>();
        page.WaitForAssertion(() => Assert.Contains(page.FindAll("[data-testid=audit-action]"), a => a.TextContent == "cluster.create"));

        await page.FindAll("[data-testid=audit-action]").First(a => a.TextContent == "cluster.create").ParentElement!.ClickAsync(new());
        var details = page.WaitForElement("[data-testid=audit-details]");
        Assert.Contains("\"name\":\"audited\"", details.TextContent.Replace(" ", ""));

        // The details row is a row of the table too: a click on it (to select text, say) reaches the table's row handler.
        await details.Closest("tr")!.ClickAsync(new());

        Assert.NotNull(page.Find("[data-testid=audit-details]"));
    }
}
