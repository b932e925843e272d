using System.Globalization;

namespace Portal.Identity;

/// <summary>
/// What a name people give (a display name, a token's name, an email) may hold: visible text of a bounded
/// length. Control characters break log lines and CSV rows; direction overrides and invisible characters
/// make a name read as something else on every page and in the audit trail (<c>"invoice\u202Eexe.pdf"</c> shows
/// as <c>invoicefdp.exe</c>), so both are refused rather than stripped.
/// </summary>
public static class NameRules
{
    public const int MaxDisplayName = 128, MaxTokenName = 100;

    /// <summary>
    /// Control (Cc), format (Cf: the bidi controls U+202A–U+202E and U+2066–U+2069, zero-width characters,
    /// the byte order mark), line and paragraph separators, and a surrogate without its pair.
    /// </summary>
    private static readonly HashSet<UnicodeCategory> Unsafe =
    [
        UnicodeCategory.Control, UnicodeCategory.Format, UnicodeCategory.LineSeparator, UnicodeCategory.ParagraphSeparator, UnicodeCategory.Surrogate,
    ];

    /// <summary>The message for <paramref name="value"/> as the <paramref name="what"/> (e.g. "display name"), or null when it is fine.</summary>
    public static string? Problem(string value, int maxLength, string what) =>
        HasUnsafeCharacters(value) ? UnsafeMessage(what)
        : value.Length > maxLength ? $"The {what} has at most {maxLength} characters."
        : null;

    public static string UnsafeMessage(string what) =>
        $"The {what} may not hold control or direction-changing characters (such as NUL, tabs, line breaks, U+202E or zero-width spaces).";

    public static bool HasUnsafeCharacters(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var paired = char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]);
            if (Unsafe.Contains(paired ? CharUnicodeInfo.GetUnicodeCategory(value, i) : char.GetUnicodeCategory(value[i]))) return true;
            if (paired) i++;
        }
        return false;
    }
}
