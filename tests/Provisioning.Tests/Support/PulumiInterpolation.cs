namespace Provisioning.Tests.Support;

/// <summary>Reads a Pulumi YAML string the way the YAML language host does: <c>$$</c> is a literal <c>$</c>, <c>${…}</c> a reference.</summary>
internal static class PulumiInterpolation
{
    public abstract record Part;
    public sealed record Literal(string Text) : Part;
    public sealed record Reference(string Expression) : Part;

    public static IReadOnlyList<Part> Parse(string text)
    {
        var parts = new List<Part>();
        var literal = new System.Text.StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '$' && i + 1 < text.Length && text[i + 1] == '$')
            {
                literal.Append('$');
                i++;
            }
            else if (text[i] == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                var end = text.IndexOf('}', i + 2);
                if (end < 0) throw new FormatException($"Unterminated interpolation in: {text}");
                if (literal.Length > 0) parts.Add(new Literal(literal.ToString()));
                literal.Clear();
                parts.Add(new Reference(text[(i + 2)..end]));
                i = end;
            }
            else literal.Append(text[i]);
        }
        if (literal.Length > 0) parts.Add(new Literal(literal.ToString()));
        return parts;
    }

    /// <summary>The text Pulumi would produce from a string holding no references.</summary>
    public static string Unescape(string text)
    {
        var parts = Parse(text);
        if (parts.OfType<Reference>().FirstOrDefault() is { } reference)
            throw new FormatException($"Expected literal text but found the reference ${{{reference.Expression}}}.");
        return string.Concat(parts.Cast<Literal>().Select(l => l.Text));
    }
}
