using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Components.Shared;
using Portal.Api;
using Portal.Data;
using Portal.Identity;
using TestSupport.Portal;

namespace Portal.Tests.Components;

/// <summary>The Snapshots tab and the stopped-rollout panel, over the real portal's services.</summary>
public sealed class SnapshotAndRolloutPanelTests : PortalComponentContext
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task ClusterSnapshots_TakeNow_EnqueuesASnapshotAndListsOnePerDatacenterOnceItRan()
    {
        await ReadyAsync("kept");
        UsePortalServices();
        var caller = await AdminAsync();
        var started = 0;
        var panel = Render<ClusterSnapshots>(p => p.Add(c => c.ClusterName, "kept").Add(c => c.Caller, caller).Add(c => c.OnOperationStarted, () => started++));
        panel.WaitForElement("[data-testid=no-snapshots]");

        await panel.Find("[data-testid=take-snapshot]").ClickAsync(new());

        Assert.Equal(1, started);
        await using var db = App.CreateDbContext();
        var operation = await db.Operations.SingleAsync(o => o.Kind == OperationKind.Snapshot, Ct);
        await Api.WaitForOperationAsync(operation.Id.ToString());
        panel.Render(); // the page renders it again when the operation ends
        panel.WaitForAssertion(() => Assert.Equal(2, panel.FindAll("tr[data-snapshot]").Count));
        Assert.All(panel.FindAll("tr[data-snapshot]"), row => Assert.Contains("manual", row.TextContent));
    }

    [Fact]
    public async Task ClusterSnapshots_Restore_AsksForTheDatacenterTypedBeforeItRestores()
    {
        await ReadyAsync("kept");
        var snapshot = System.Text.Json.Nodes.JsonNode.Parse(await (await Api.PostAsync("/api/v1/clusters/kept/snapshots", null, Ct)).Content.ReadAsStringAsync(Ct))!;
        await Api.WaitForOperationAsync((string)snapshot["operation"]!["id"]!);
        UsePortalServices();
        var caller = await AdminAsync();
        var dialogs = Render<MudDialogProvider>();
        var panel = Render<ClusterSnapshots>(p => p.Add(c => c.ClusterName, "kept").Add(c => c.Caller, caller));
        var row = panel.WaitForElement("tr[data-snapshot]");
        var datacenter = row.Children[1].TextContent;

        var restoring = panel.FindAll("[data-testid=restore-snapshot]")[0].ClickAsync(new());
        var input = dialogs.WaitForElement("[data-testid=confirm-datacenter] input, input[data-testid=confirm-datacenter]");
        input.Input("not-" + datacenter);
        Assert.True(dialogs.Find("[data-testid=confirm-restore]").HasAttribute("disabled"));
        dialogs.Find("[data-testid=confirm-datacenter] input, input[data-testid=confirm-datacenter]").Input(datacenter);
        await dialogs.Find("[data-testid=confirm-restore]").ClickAsync(new());
        await restoring;

        await using var db = App.CreateDbContext();
        var restore = await db.Operations.SingleAsync(o => o.Kind == OperationKind.Restore, Ct);
        Assert.Equal((datacenter, row.GetAttribute("data-snapshot")), (restore.Zone, restore.SnapshotId));
    }

    [Fact]
    public async Task RolloutPanel_StoppedRollout_ShowsTheReasonAndContinueEnqueuesIt()
    {
        await StoppedAsync("rolling");
        UsePortalServices();
        var caller = await AdminAsync();
        var panel = Render<RolloutPanel>(p => p.Add(c => c.ClusterName, "rolling").Add(c => c.Caller, caller));

        panel.WaitForElement("[data-testid=rollout-stopped]");
        Assert.Contains("Rollout stopped after replacing", panel.Find("[data-testid=rollout-reason]").TextContent);
        await panel.Find("[data-testid=rollout-continue]").ClickAsync(new());

        await using var db = App.CreateDbContext();
        Assert.Equal(1, await db.Operations.CountAsync(o => o.Kind == OperationKind.RolloutContinue, Ct));
        Assert.Empty(panel.FindAll("[data-testid=rollout-stopped]"));
    }

    [Fact]
    public async Task RolloutPanel_NothingStopped_ShowsNothing()
    {
        await ReadyAsync("calm");
        UsePortalServices();
        var caller = await AdminAsync();

        var panel = Render<RolloutPanel>(p => p.Add(c => c.ClusterName, "calm").Add(c => c.Caller, caller));

        Assert.Empty(panel.FindAll("[data-testid=rollout-stopped]"));
        Assert.Empty(panel.FindAll("button"));
    }

    private async Task ReadyAsync(string name, object? extra = null)
    {
        var created = await Api.CreateClusterAsync(extra ?? new { name });
        Assert.Equal("succeeded", (string)(await Api.WaitForOperationAsync((string)created["operation"]!["id"]!))["state"]!);
    }

    private async Task StoppedAsync(string name)
    {
        await ReadyAsync(name, new { name, consulVersion = "2.0.4", simulation = new { failReplacement = 1 } });
        Assert.Equal("failed", (string)(await Api.UpdateClusterAsync(name, """{"consulVersion":"2.1.0"}"""))["state"]!);
    }

    /// <summary>The bootstrap admin as a circuit resolves them; the page hands its caller to the panels the same way.</summary>
    private async Task<Caller> AdminAsync()
    {
        await using var db = App.CreateDbContext();
        var id = (await db.Users.SingleAsync(u => u.Email == PortalAppFactory.AdminEmail, Ct)).Id;
        return (await App.Services.GetRequiredService<CircuitCallers>().ResolveAsync(
            new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [
                new(System.Security.Claims.ClaimTypes.NameIdentifier, id),
                new(System.Security.Claims.ClaimTypes.Name, PortalAppFactory.AdminEmail),
                new(System.Security.Claims.ClaimTypes.Role, PortalClaims.AdminRole),
            ], "bunit")), new ClientInfo(null, null), Ct))!;
    }
}
