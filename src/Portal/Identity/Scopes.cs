namespace Portal.Identity;

/// <summary>What a personal access token may do. Signed-in people have every scope their role allows.</summary>
public static class Scopes
{
    public const string ClustersRead = "clusters:read", ClustersWrite = "clusters:write", AuditRead = "audit:read";

    public static readonly IReadOnlyList<string> All = [ClustersRead, ClustersWrite, AuditRead];
}

/// <summary>Names of the authorization policies endpoints and pages use.</summary>
public static class Policies
{
    public const string ClustersRead = "clusters:read", ClustersWrite = "clusters:write", AuditRead = "audit:read", Admin = "admin";
}

public static class PortalClaims
{
    public const string Scope = "scope", TokenId = "token_id", AdminRole = "Admin";
}
