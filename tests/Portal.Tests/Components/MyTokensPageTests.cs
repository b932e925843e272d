using Bunit;
using Portal.Api;
using Portal.Components.Pages.Account;
using Portal.Identity;

namespace Portal.Tests.Components;

public sealed class MyTokensPageTests : PortalComponentContext
{
    [Fact]
    public void MyTokensPage_Rendered_SaysWhatEveryScopeAllows()
    {
        UsePortalServices();

        var page = Render<MyTokens>();

        var help = page.Find("[data-testid=scope-help]").TextContent;
        Assert.All(Scopes.Described, d =>
        {
            Assert.Contains(d.Scope, help);
            Assert.Contains(d.Allows, help);
        });
        Assert.Contains("revokes every token created with it", page.Markup);
    }
}
