using System.Text;
using Portal.Clusters;

namespace Portal.Identity;

/// <summary>A group from the identity provider and the team it maps to, or why it maps to none.</summary>
public sealed record GroupMapping(string Group, string? Team, string? Refusal);

/// <summary>
/// How identity-provider group names become team slugs (docs/single-sign-on.md): lower-cased, every
/// run of characters other than a–z and 0–9 made one hyphen, hyphens trimmed from both ends. What
/// comes out must be a valid team slug; if not, the group is refused, never truncated or padded, so
/// two different long groups cannot end up as one team. Letters beyond a–z (é, ß, 日) are refused
/// too rather than dropped: "Équipe" must not quietly become the team "quipe".
/// </summary>
public static class OidcGroups
{
    public static GroupMapping ToTeam(string group)
    {
        var slug = Slug(group);
        var foreign = group.FirstOrDefault(c => char.IsLetterOrDigit(c) && !char.IsAscii(c));
        string? refusal = slug switch
        {
            _ when foreign != default => $"it has '{foreign}', a letter or digit outside a-z and 0-9",
            "" => "it has no letters or digits",
            { Length: < 3 } => $"'{slug}' is shorter than 3 characters",
            { Length: > 64 } => $"it maps to {slug.Length} characters, more than 64",
            _ when !char.IsAsciiLetterLower(slug[0]) => $"'{slug}' does not start with a letter",
            _ => null,
        };
        // The validator's own pattern has the last word: the rule above must never let through what it refuses.
        if (refusal is null && !TeamRules.Slug().IsMatch(slug)) refusal = $"'{slug}' is not a team slug";
        return new GroupMapping(group, refusal is null ? slug : null, refusal);
    }

    private static string Slug(string group)
    {
        var slug = new StringBuilder(group.Length);
        foreach (var c in group)
        {
            var lower = char.ToLowerInvariant(c);
            if (char.IsAsciiLetterLower(lower) || char.IsAsciiDigit(lower)) slug.Append(lower);
            else if (slug.Length > 0 && slug[^1] != '-') slug.Append('-');
        }
        return slug.ToString().TrimEnd('-');
    }
}
