using System.Text.RegularExpressions;

namespace Portal.Identity;

/// <summary>What a team is called, and which team a request lands in.</summary>
public static partial class TeamRules
{
    /// <summary>A team's slug: lower-case letters, digits and hyphens, as in its clusters' names and tags.</summary>
    [GeneratedRegex("^[a-z][a-z0-9-]{1,62}[a-z0-9]$")]
    public static partial Regex Slug();

    /// <summary>The team a request lands in: the one named, or the caller's only team.</summary>
    public static string? TeamOf(string? requested, Caller caller) =>
        string.IsNullOrWhiteSpace(requested) ? (caller.Teams.Count == 1 ? caller.Teams.Single() : null) : requested.Trim();
}
