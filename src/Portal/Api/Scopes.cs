namespace Portal.Api;

/// <summary>What a personal access token may do. Signed-in people have every scope their role allows.</summary>
public static class Scopes
{
    public const string ClustersRead = "clusters:read", ClustersWrite = "clusters:write", AuditRead = "audit:read", TokensWrite = "tokens:write", Admin = "admin";

    /// <summary>Every scope and what it allows, in the order people choose them: the tokens page and the OpenAPI document show this.</summary>
    public static readonly IReadOnlyList<(string Scope, string Allows)> Described =
    [
        (ClustersRead, "See the clusters and operations of your teams: lists, details, live events, programs, CA certificates."),
        (ClustersWrite, "Also create, change, preview, destroy, retry and cancel them, and (team owners) reveal a management token. Includes clusters:read."),
        (TokensWrite, "Create and revoke tokens with this token. A token it creates gets at most its scopes, expires no later than it does "
            + "(by default, when it does) and is revoked with it; it may revoke only itself and the tokens created with it."),
        (AuditRead, "Admins only: read, export and verify the audit trail."),
        (Admin, "Admins only: act as an admin — teams, accounts, backups, and every team's clusters (with the clusters scopes). "
            + "Without it, an admin's token is an ordinary member of the admin's own teams."),
    ];

    public static readonly IReadOnlyList<string> All = Described.Select(d => d.Scope).ToList();

    /// <summary>Scopes only admins hold: a person without the admin role cannot grant them, and a token loses them while its owner is no admin.</summary>
    public static readonly IReadOnlySet<string> AdminOnly = new HashSet<string> { AuditRead, Admin };

    /// <summary>The scopes a person signed in with a cookie has, or a token of theirs may use.</summary>
    public static IEnumerable<string> For(bool isAdmin) => All.Where(s => isAdmin || !AdminOnly.Contains(s));

    /// <summary>
    /// The scopes a token needs for an endpoint, from its authorization policies (each scope has a policy of
    /// the same name); clusters:read is left out where clusters:write is needed, since write includes it.
    /// </summary>
    public static IReadOnlyList<string> RequiredBy(IEnumerable<object> endpointMetadata)
    {
        var required = endpointMetadata.OfType<Microsoft.AspNetCore.Authorization.IAuthorizeData>()
            .Select(a => a.Policy).OfType<string>().Where(All.Contains).ToHashSet();
        if (required.Contains(ClustersWrite)) required.Remove(ClustersRead);
        return All.Where(required.Contains).ToList();
    }
}

/// <summary>Names of the authorization policies endpoints and pages use; a scope's policy has the scope's name.</summary>
public static class Policies
{
    public const string ClustersRead = Scopes.ClustersRead, ClustersWrite = Scopes.ClustersWrite, AuditRead = Scopes.AuditRead,
        TokensWrite = Scopes.TokensWrite, Admin = Scopes.Admin;
}

public static class PortalClaims
{
    public const string Scope = "scope", TokenId = "token_id", AdminRole = "Admin";
}
