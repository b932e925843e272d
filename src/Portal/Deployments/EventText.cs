using System.Text;
using System.Text.RegularExpressions;

namespace Portal.Deployments;

/// <summary>
/// An engine's message as it is stored and shown: no terminal colour codes and no control characters (a NUL once
/// reached the page as a box), only the line breaks and tabs that carry meaning.
/// </summary>
public static partial class EventText
{
    public static string Clean(string message)
    {
        var text = TerminalEscape().Replace(message, "");
        if (!text.Any(IsUnwanted)) return text;
        var clean = new StringBuilder(text.Length);
        foreach (var c in text)
            if (!IsUnwanted(c)) clean.Append(c);
        return clean.ToString();
    }

    private static bool IsUnwanted(char c) => char.IsControl(c) && c is not '\n' and not '\t';

    /// <summary>ANSI CSI sequences, as the Pulumi CLI colours its diagnostics: ESC [ parameters final-byte.</summary>
    [GeneratedRegex(@"\x1B\[[0-?]*[ -/]*[@-~]")]
    private static partial Regex TerminalEscape();
}
