using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Auditing;
using Portal.Data;
using Portal.Identity;

namespace Portal.Clusters;

/// <summary>
/// Who may do what only a cluster's owners may (reveal its root credential, restore a snapshot, steer a stopped
/// rollout): owners of its team and admins, as they are now, and a token only with <c>clusters:write</c>.
/// </summary>
internal static class ClusterOwners
{
    public static async Task<bool> IsOwnerOrAdminAsync(PortalDbContext db, Caller caller, string team, CancellationToken cancellationToken) =>
        await caller.IsAdminNowAsync(db, cancellationToken)
        || await db.TeamMemberships.AnyAsync(m => m.UserId == caller.UserId && m.Team.Name == team && m.Role == TeamRole.Owner, cancellationToken);

    /// <summary>
    /// The visible live cluster named <paramref name="name"/> the current caller owns, or the refusal, audited: not found
    /// (not visible, or destroyed) or forbidden (<paramref name="what"/> says what only owners may do).
    /// </summary>
    public static async Task<(Cluster? Cluster, Caller Caller, CommandResult<T>? Refusal)> FindOwnedAsync<T>(
        PortalDbContext db, AuditLog audit, Caller caller, string name, string action, string what, CancellationToken cancellationToken)
    {
        var current = await caller.NowAsync(db, cancellationToken);
        var cluster = await TeamVisibility.FindAsync(db, current, name, cancellationToken);
        if (cluster is null || cluster.Status == ClusterStatus.Destroyed)
        {
            await audit.WriteAsync(db, current.Actor, AuditRecord.NotVisible(action, "cluster", name), cancellationToken);
            return (null, current, CommandResult<T>.NotFound($"No cluster named '{name}'."));
        }
        var refusal = !current.Has(Scopes.ClustersWrite)
            ? $"A token needs the {Scopes.ClustersWrite} scope to {what}."
            : !await IsOwnerOrAdminAsync(db, current, cluster.Team, cancellationToken)
                ? $"Only owners of team '{cluster.Team}' and admins may {what} of '{name}'."
                : null;
        if (refusal is null) return (cluster, current, null);
        await audit.WriteAsync(db, current.Actor, new AuditRecord(action, "cluster", name, "denied", Team: cluster.Team, Details: new { reason = refusal }), cancellationToken);
        return (null, current, CommandResult<T>.Forbidden(refusal));
    }
}
