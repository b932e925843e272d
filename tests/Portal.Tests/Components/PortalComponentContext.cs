using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Portal.Deployments;
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
    protected void UsePortalServices()
    {
        _ = Api; // starts the host
        // MudBlazor registers the options system here too, which would shadow the portal's bound options.
        Services.AddSingleton(App.Services.GetRequiredService<IOptions<ProvisioningOptions>>());
        Services.AddFallbackServiceProvider(App.Services);
        Render<MudPopoverProvider>();
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        await App.DisposeAsync();
    }
}
