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
            // and so is their text on white. These shades keep 4.5:1 for text on them and for them as text, on white
            // and on the tinted background of a selected row as well.
            Success = "#1b5e20",
            Warning = "#a85400",
            Error = "#c62828",
            Info = "#1565c0",
        },
        // The dark theme: the same meanings in lighter shades, which read as text on the dark surfaces (≥ 4.5:1), with
        // dark text on them where they fill a chip or a button (white on a light green would be about 2:1).
        PaletteDark = new PaletteDark
        {
            Primary = "#90caf9",
            PrimaryContrastText = "rgba(0,0,0,0.87)",
            Secondary = "#f48fb1",
            SecondaryContrastText = "rgba(0,0,0,0.87)",
            AppbarBackground = "#10263b",
            // MudBlazor's 50 % white for secondary text (labels, captions) is 4.25:1 on its dark surface.
            TextSecondary = "rgba(255,255,255,0.72)",
            ActionDefault = "rgba(255,255,255,0.72)",
            Success = "#81c784",
            SuccessContrastText = "rgba(0,0,0,0.87)",
            Warning = "#ffb74d",
            WarningContrastText = "rgba(0,0,0,0.87)",
            Error = "#ffb4ab",
            ErrorContrastText = "rgba(0,0,0,0.87)",
            Info = "#90caf9",
            InfoContrastText = "rgba(0,0,0,0.87)",
        },
    };
}
