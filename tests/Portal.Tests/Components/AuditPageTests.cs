using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Auditing;
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

    [Fact]
    public async Task AuditPage_PagedOrJumpedTo_ShowsTheEntriesOfThatPageNewestFirst()
    {
        UsePortalServices();
        await using (var db = App.CreateDbContext())
        {
            var log = App.Services.GetRequiredService<AuditLog>();
            for (var i = 0; i < 60; i++) await log.WriteAsync(db, AuditActor.System, new AuditRecord("test.entry", "test", $"entry-{i}"), Xunit.TestContext.Current.CancellationToken);
        }
        List<long> ids;
        await using (var db = App.CreateDbContext())
            ids = await db.AuditEntries.OrderByDescending(e => e.Id).Select(e => e.Id).ToListAsync(Xunit.TestContext.Current.CancellationToken);
        const int size = 25;
        var lastPage = (ids.Count - 1) / size;
        var page = Render<Audit>();
        var table = page.FindComponent<MudTable<AuditEntryView>>();
        IEnumerable<long> Shown() => page.FindAll("[data-testid=audit-table] tbody tr td:first-child").Select(td => long.Parse(td.TextContent));

        page.WaitForAssertion(() => Assert.Equal(ids.Take(size), Shown()));
        // A jump past the pages read so far, then back to one between: each shows the same entries an offset would.
        await page.InvokeAsync(() => table.Instance.NavigateTo(lastPage));
        page.WaitForAssertion(() => Assert.Equal(ids.Skip(lastPage * size), Shown()));
        await page.InvokeAsync(() => table.Instance.NavigateTo(1));
        page.WaitForAssertion(() => Assert.Equal(ids.Skip(size).Take(size), Shown()));
    }
}
