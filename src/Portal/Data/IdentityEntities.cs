using Microsoft.AspNetCore.Identity;

namespace Portal.Data;

/// <summary>A person who signs in, locally or through OpenID Connect.</summary>
public sealed class PortalUser : IdentityUser
{
    public string? DisplayName { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A team owns clusters; its members see and operate them.</summary>
public sealed class Team
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>A DNS-style slug, e.g. <c>team-a</c>; clusters refer to it.</summary>
    public required string Name { get; set; }
    public required string DisplayName { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public List<TeamMembership> Members { get; set; } = [];
}

public enum TeamRole { Member, Owner }

public sealed class TeamMembership
{
    public Guid TeamId { get; set; }
    public Team Team { get; set; } = null!;
    public required string UserId { get; set; }
    public PortalUser User { get; set; } = null!;
    public TeamRole Role { get; set; }
}

/// <summary>A personal access token for the REST API. Only its hash is stored; the token itself is shown once.</summary>
public sealed class PersonalAccessToken
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string UserId { get; set; }
    public PortalUser User { get; set; } = null!;
    public required string Name { get; set; }

    /// <summary>The first characters of the token, enough to recognise it in a list.</summary>
    public required string Prefix { get; set; }

    /// <summary>SHA-256 of the whole token, hex. The token has 256 random bits, so no salt or slow hash is needed.</summary>
    public required string Hash { get; set; }

    /// <summary>Space-separated scopes, e.g. <c>clusters:read clusters:write</c>.</summary>
    public required string Scopes { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>The token that created this one, if a token did: this one never outlives it and is revoked with it.</summary>
    public Guid? ParentTokenId { get; set; }
}
