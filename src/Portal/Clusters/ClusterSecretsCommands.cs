using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Auditing;
using Portal.Data;
using Portal.Engines;
using Portal.Identity;

namespace Portal.Clusters;

/// <summary>The management token as revealed to its owners; <see cref="RevealedAt"/> is the moment of the reveal its audit entry records.</summary>
public sealed record ManagementTokenView(string Cluster, string ManagementToken, DateTimeOffset RevealedAt);

/// <summary>
/// Hands out a cluster's secrets, for the cluster page and the API alike. The CA certificate is public
/// to whoever may see the cluster; the management token is Consul's root credential, so only the owners
/// of the cluster's team and admins may reveal it, and every attempt is audited (never with the value).
/// </summary>
public sealed class ClusterSecretsCommands(IDbContextFactory<PortalDbContext> dbFactory, ClusterSecretStore store, AuditLog audit, TimeProvider time)
{
    public const string RevealAction = "cluster.secret.reveal";

    /// <summary>How the audit trail names the secret revealed; the value itself is never recorded.</summary>
    public const string ManagementTokenSecret = "management-token";

    /// <summary>
    /// Whether the caller may reveal the management token of a cluster of <paramref name="team"/>: the page
    /// asks to decide whether to offer the button. The reveal itself asks again, at the moment it happens.
    /// </summary>
    public async Task<bool> MayRevealAsync(Caller caller, string team, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await MayRevealAsync(db, caller, team, cancellationToken);
    }

    /// <summary>
    /// The cluster's initial management token. Not visible: not found (as for every cluster command).
    /// Visible but not an owner or admin now, or a token without <c>clusters:write</c>: forbidden.
    /// Destroyed: a conflict, since the cluster still answers GET but its token opens nothing any more.
    /// </summary>
    public async Task<CommandResult<ManagementTokenView>> RevealManagementTokenAsync(Caller caller, string name, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // A page's caller was resolved when the page opened, perhaps hours ago: who may see and who owns what is read again now.
        var current = await caller.NowAsync(db, cancellationToken);
        var cluster = await TeamVisibility.FindAsync(db, current, name, cancellationToken);
        if (cluster is null)
            return await DeniedAsync(db, caller, name, null, "not found or not visible",
                CommandResult<ManagementTokenView>.NotFound($"No cluster named '{name}'."), cancellationToken);
        var refusal = !caller.Has(Scopes.ClustersWrite)
            ? $"A token needs the {Scopes.ClustersWrite} scope to reveal a management token."
            : !await MayRevealAsync(db, current, cluster.Team, cancellationToken)
                ? $"Only owners of team '{cluster.Team}' and admins may reveal the management token of '{name}'."
                : null;
        if (refusal is not null)
            return await DeniedAsync(db, caller, name, cluster.Team, refusal, CommandResult<ManagementTokenView>.Forbidden(refusal), cancellationToken);
        if (cluster.Status == ClusterStatus.Destroyed)
            return CommandResult<ManagementTokenView>.Conflict($"Cluster '{name}' is destroyed: its management token no longer opens anything.");

        var secrets = await store.ForAsync(cluster, cancellationToken);
        var revealedAt = time.GetUtcNow();
        await audit.WriteAsync(db, caller.Actor, new AuditRecord(RevealAction, "cluster", cluster.Name, Team: cluster.Team,
            Details: new { secret = ManagementTokenSecret }), cancellationToken);
        return CommandResult<ManagementTokenView>.Ok(new ManagementTokenView(cluster.Name, secrets.ManagementToken, revealedAt));
    }

    /// <summary>The name the CA certificate downloads as, and that the connection example's <c>CONSUL_CACERT</c> names.</summary>
    public static string CaFileName(string cluster) => $"consul-{cluster}-ca.pem";

    /// <summary>The cluster's CA certificate (PEM), public to whoever may see the cluster; null for "no such cluster" and "not yours" alike.</summary>
    public async Task<(string Cluster, string Pem)?> CaCertificateAsync(Caller caller, string name, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await TeamVisibility.FindAsync(db, await caller.NowAsync(db, cancellationToken), name, cancellationToken) is not { } cluster) return null;
        return (cluster.Name, (await store.ForAsync(cluster, cancellationToken)).CaCertificatePem);
    }

    private static Task<bool> MayRevealAsync(PortalDbContext db, Caller caller, string team, CancellationToken cancellationToken) =>
        ClusterOwners.IsOwnerOrAdminAsync(db, caller, team, cancellationToken);

    /// <summary>A refused reveal is recorded as such, so that an auditor sees who tried; the answer is <paramref name="result"/>.</summary>
    private async Task<CommandResult<ManagementTokenView>> DeniedAsync(
        PortalDbContext db, Caller caller, string name, string? team, string reason, CommandResult<ManagementTokenView> result, CancellationToken cancellationToken)
    {
        await audit.WriteAsync(db, caller.Actor, new AuditRecord(RevealAction, "cluster", name, "denied", Team: team,
            Details: new { secret = ManagementTokenSecret, reason }), cancellationToken);
        return result;
    }
}
