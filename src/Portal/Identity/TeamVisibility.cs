using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Identity;

/// <summary>Which clusters a caller may see: the team rule every read and command of a cluster goes through.</summary>
public static class TeamVisibility
{
    /// <summary>Clusters the caller may see: all for admins, their teams' otherwise.</summary>
    public static IQueryable<Cluster> VisibleTo(this IQueryable<Cluster> clusters, Caller caller)
    {
        if (caller.IsAdmin) return clusters;
        var teams = caller.Teams.ToArray();
        return clusters.Where(c => teams.Contains(c.Team));
    }

    /// <summary>
    /// The cluster holding <paramref name="name"/> if the caller may see it; a destroyed one only if
    /// no live one has taken the name since. Null for "no such cluster" and "not yours" alike.
    /// </summary>
    public static Task<Cluster?> FindAsync(PortalDbContext db, Caller caller, string name, CancellationToken cancellationToken) =>
        db.Clusters.Named(caller, name).FirstOrDefaultAsync(cancellationToken);

    /// <summary>The clusters that have held <paramref name="name"/> and the caller may see, the one <see cref="FindAsync"/> picks first.</summary>
    public static IQueryable<Cluster> Named(this IQueryable<Cluster> clusters, Caller caller, string name) =>
        clusters.VisibleTo(caller)
            .Where(c => c.Name == name)
            .OrderBy(c => c.Status == ClusterStatus.Destroyed ? 1 : 0).ThenByDescending(c => c.CreatedAt);
}
