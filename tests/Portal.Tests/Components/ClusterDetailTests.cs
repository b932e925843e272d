using Bunit;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using Portal.Components.Pages.Clusters;
using Portal.Data;
using TestSupport.Portal;

namespace Portal.Tests.Components;

public sealed class ClusterDetailTests : PortalComponentContext
{
    private const string MemberEmail = "leaver@portal.test", Password = "Leaver-password-2026";
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task ClusterDetail_MemberRemovedWhileThePageIsOpen_DestroyIsRefusedAndNothingChanges()
    {
        await Api.CreateMemberAsync(MemberEmail, Password, "team-a", "owner");
        var created = await Api.CreateClusterAsync(new { name = "kept", team = "team-a" });
        await Api.WaitForOperationAsync((string)created["operation"]!["id"]!);
        UsePortalServices(MemberEmail);
        var dialogs = Render<MudDialogProvider>();
        var snackbars = Render<MudSnackbarProvider>();
        var page = Render<ClusterDetail>(p => p.Add(c => c.Name, "kept"));
        page.WaitForElement("[data-testid=destroy]");

        // An admin takes the person out of the team; their page stays open with the team it loaded.
        Assert.True((await Api.DeleteAsync($"/api/v1/teams/team-a/members?email={MemberEmail}", Ct)).IsSuccessStatusCode);
        var destroying = page.Find("[data-testid=destroy]").ClickAsync(new()); // ends when the dialog does
        dialogs.WaitForElement("[data-testid=confirm-name] input, input[data-testid=confirm-name]").Input("kept");
        await dialogs.Find("[data-testid=confirm-destroy]").ClickAsync(new());
        await destroying;

        await using var db = App.CreateDbContext();
        Assert.Equal(0, await db.Operations.CountAsync(o => o.Kind == OperationKind.Destroy, Ct));
        Assert.Equal(ClusterStatus.Ready, (await db.Clusters.SingleAsync(c => c.Name == "kept", Ct)).Status);
        snackbars.WaitForAssertion(() => Assert.Contains("No cluster named 'kept'", snackbars.Markup));
    }
}
