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
            // MudBlazor's default status colours are too light for WCAG AA: white on #00c853 or #ff9800 is about 2:1,
            // and so is their text on white. These shades keep 4.5:1 for text on them and for them as text.
            Success = "#2e7d32",
            Warning = "#a85400",
            Error = "#c62828",
            Info = "#1565c0",
        },
    };
}
