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

    [Theory]
    [InlineData("timeToLiveHours", "-5", "The time to live must be between 1 and 720 hours")]
    [InlineData("clientCount", "51", "between 0 and 50")]
    public async Task CreateClusterForm_ValueOutOfRange_KeepsWhatWasTypedAndSaysWhyNeverClamping(string field, string value, string message)
    {
        UsePortalServices();
        var form = Render<CreateCluster>();
        var label = field == "clientCount" ? "Clients" : "Time to live in hours (optional)";
        var input = form.FindAll(".mud-input-control").Single(c => c.QuerySelector("label")?.TextContent.Trim() == label).QuerySelector("input")!;

        form.Find("input").Input("bounded");
        input.Change(value);
        await form.Find("form").SubmitAsync();

        form.WaitForAssertion(() => Assert.Contains(message, Text(form)));
        Assert.Equal(value, form.FindAll(".mud-input-control").Single(c => c.QuerySelector("label")?.TextContent.Trim() == label).QuerySelector("input")!.GetAttribute("value"));
        await using var db = App.CreateDbContext();
        Assert.Equal(0, await db.Clusters.CountAsync(Ct));
    }

    [Fact]
    public void CreateClusterForm_TimeToLive_ShowsTheExpiryInWhatYouGet()
    {
        UsePortalServices();
        var form = Render<CreateCluster>();
        Assert.Equal("Kept until you destroy it", form.Find("[data-testid=what-expiry]").TextContent.Trim());

        form.FindAll(".mud-input-control").Single(c => c.QuerySelector("label")?.TextContent.Trim() == "Time to live in hours (optional)").QuerySelector("input")!.Change("6");

        var expected = DateTimeOffset.UtcNow.AddHours(6);
        form.WaitForAssertion(() => Assert.Contains("Destroyed by the portal at ", form.Find("[data-testid=what-expiry]").TextContent));
        var text = form.Find("[data-testid=what-expiry]").TextContent;
        Assert.True(text.Contains($"{expected.UtcDateTime:yyyy-MM-dd HH:mm}") || text.Contains($"{expected.AddMinutes(-1).UtcDateTime:yyyy-MM-dd HH:mm}"), text);
    }

    private static string Text(IRenderedComponent<CreateCluster> form) => string.Concat(form.Nodes.Select(n => n.TextContent));
}
