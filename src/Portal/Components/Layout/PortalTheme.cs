using MudBlazor;

namespace Portal.Components.Layout;

public static class PortalTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1f5fa8",
            Secondary = "#c2185b",
            AppbarBackground = "#14324f",
        },
    };
}
