using System.ComponentModel.DataAnnotations;

namespace Portal.Identity;

/// <summary>Bound from <c>Identity</c>.</summary>
public sealed class IdentitySettings
{
    public BootstrapAdminSettings BootstrapAdmin { get; set; } = new();

    /// <summary>The longest lifetime a personal access token may have.</summary>
    [Range(1, 3650)]
    public int MaxTokenLifetimeDays { get; set; } = 365;

    /// <summary>Failed sign-ins before an account is locked for <see cref="LockoutMinutes"/>.</summary>
    [Range(1, 100)]
    public int MaxFailedSignIns { get; set; } = 5;

    [Range(1, 1440)]
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>
    /// How long a process keeps what it found for a token (<see cref="TokenPrincipalCache"/>); zero reads it on every request.
    /// Changes in this process apply at once; this is how long another process may take to see a revocation or role change.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "Identity:TokenCacheDuration must be between {1} and {2}.")]
    public TimeSpan TokenCacheDuration { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>The first admin, created at startup when the database has none (how automation sets up a portal).</summary>
public sealed class BootstrapAdminSettings
{
    public string? Email { get; set; }
    public string? Password { get; set; }

    /// <summary>A <c>pat_…</c> token the admin gets with every scope.</summary>
    public string? ApiToken { get; set; }
}

/// <summary>
/// Bound from <c>Authentication:Oidc</c>; when <see cref="Authority"/> is set, "Sign in with …" appears.
/// Checked at startup by <see cref="OidcSettingsValidator"/>.
/// </summary>
public sealed class OidcSettings
{
    public const string Section = "Authentication:Oidc";

    public string? Authority { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }
    public string DisplayName { get; set; } = "single sign-on";

    /// <summary>Whether the provider's metadata must come over https; false only for a local test IdP on http.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>The claim (ID token or userinfo) listing the user's groups; each maps to a team by <see cref="OidcGroups.ToTeam"/>.</summary>
    public string TeamsClaim { get; set; } = "groups";

    /// <summary>Members of this group (or of the team it maps to) are portal admins, for as long as the claim says so.</summary>
    public string? AdminTeam { get; set; }

    /// <summary>
    /// Whether a first sign-in whose email the provider verified may be linked to the existing
    /// account with that email. Off: such a sign-in is refused, never linked.
    /// </summary>
    public bool LinkVerifiedEmail { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);
}
