using Bunit;
using Microsoft.EntityFrameworkCore;
using Portal.Components.Pages.Clusters;
using TestSupport.Portal;

namespace Portal.Tests.Components;

public sealed class CreateClusterFormTests : PortalComponentContext
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task CreateClusterForm_InvalidName_ShowsFieldErrorAndStoresNothing()
    {
        UsePortalServices();
        var form = Render<CreateCluster>();

        form.Find("input").Input("X!");
        await form.Find("form").SubmitAsync();

        form.WaitForAssertion(() => Assert.Contains("The name must be 3 to 32 characters long.", Text(form)));
        Assert.NotNull(form.Find("[data-testid=form-errors]"));
        await using var db = App.CreateDbContext();
        Assert.Equal(0, await db.Clusters.CountAsync(Ct));
    }

    [Fact]
    public async Task CreateClusterForm_NameTaken_ShowsConflictOnTheNameField()
    {
        UsePortalServices();
        await Api.CreateClusterAsync(new { name = "taken" });
        var form = Render<CreateCluster>();

        form.Find("input").Input("taken");
        await form.Find("form").SubmitAsync();

        form.WaitForAssertion(() => Assert.Contains("A cluster named 'taken' already exists.", Text(form)));
        await using var db = App.CreateDbContext();
        Assert.Equal(1, await db.Clusters.CountAsync(Ct));
    }

    [Fact]
    public async Task CreateClusterForm_OverlappingCidr_ShowsTheOtherClusterOnTheCidrField()
    {
        UsePortalServices();
        await Api.CreateClusterAsync(new { name = "first", vpcCidr = "10.9.0.0/16" });
        var form = Render<CreateCluster>();

        form.Find("input").Input("second");
        form.Find("[data-testid=vpc-cidr] input, input[data-testid=vpc-cidr]").Change("10.9.4.0/22");
        await form.Find("form").SubmitAsync();

        form.WaitForAssertion(() => Assert.Contains("overlaps cluster 'first'", Text(form)));
    }

    private static string Text(IRenderedComponent<CreateCluster> form) => string.Concat(form.Nodes.Select(n => n.TextContent));
}
