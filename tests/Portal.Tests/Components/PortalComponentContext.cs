using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;
using MudBlazor.Services;
using Portal.Api;
using Portal.Deployments;
using Portal.Engines;
using Portal.Identity;
using TestSupport.Portal;

namespace Portal.Tests.Components;

/// <summary>
/// bUnit with MudBlazor over the real portal's services (database, commands, broadcaster,
/// worker), so a component is tested against the real thing, not mocks.
/// </summary>
public abstract class PortalComponentContext : BunitContext
{
    protected PortalAppFactory App { get; } = new();

    /// <summary>The running portal's API, sharing the database and broadcaster with the rendered components.</summary>
    protected HttpClient Api => _api ??= App.CreateApiClient();
    private HttpClient? _api;

    protected PortalComponentContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
    }

    /// <summary>Call after changing <see cref="PortalAppFactory.Settings"/> and before rendering.</summary>
    /// <param name="email">Who the circuit is signed in as (an existing account); the bootstrap admin when omitted.</param>
    protected void UsePortalServices(string email = PortalAppFactory.AdminEmail)
    {
        _ = Api; // starts the host
        // MudBlazor registers the options system here too, which would shadow the portal's bound options.
        Services.AddSingleton(App.Services.GetRequiredService<IOptions<ProvisioningOptions>>());
        Services.AddFallbackServiceProvider(App.Services);
        SignInAs(email);
        Render<MudPopoverProvider>();
    }

    /// <summary>
    /// Pages get their caller as a real circuit gives it (Routes resolves it once from the authentication state, whose
    /// claims are those of sign-in): resolved when the first component renders.
    /// </summary>
    private void SignInAs(string email)
    {
        using var db = App.CreateDbContext();
        var user = db.Users.Single(u => u.Email == email);
        var authorization = AddAuthorization();
        authorization.SetAuthorized(email);
        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, user.Id), new(ClaimTypes.Name, email) };
        if (Caller.IsAdminAsync(db, user.Id, CancellationToken.None).GetAwaiter().GetResult())
        {
            authorization.SetRoles(PortalClaims.AdminRole);
            claims.Add(new Claim(ClaimTypes.Role, PortalClaims.AdminRole));
        }
        authorization.SetClaims(claims[0]);
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, "bunit"));
        Services.AddCascadingValue(_ => App.Services.GetRequiredService<CircuitCallers>()
            .ResolveAsync(principal, new ClientInfo(null, null)).GetAwaiter().GetResult());
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        await App.DisposeAsync();
    }
}
