using MudBlazor.Services;

namespace Portal.Components;

public static class UiExtensions
{
    public static IHostApplicationBuilder AddPortalUi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        return builder;
    }

    public static WebApplication MapPortalUi(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
