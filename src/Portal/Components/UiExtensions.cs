using MudBlazor.Services;

namespace Portal.Components;

public static class UiExtensions
{
    public static WebApplicationBuilder AddPortalUi(this WebApplicationBuilder builder)
    {
        builder.UseBuildOutputAssets();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        return builder;
    }

    public static WebApplication MapPortalUi(this WebApplication app)
    {
        app.MapStaticAssets().AnswerMissingFilesNotFound(app.Environment);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
