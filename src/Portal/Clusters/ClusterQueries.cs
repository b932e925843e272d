using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Clusters;

public static class ClusterQueries
{
    /// <summary>The cluster holding <paramref name="name"/>; a destroyed one only if no live one has taken the name since.</summary>
    public static Task<Cluster?> FindAsync(PortalDbContext db, string name, CancellationToken cancellationToken) =>
        db.Clusters
            .Where(c => c.Name == name)
            .OrderBy(c => c.Status == ClusterStatus.Destroyed ? 1 : 0).ThenByDescending(c => c.CreatedAt)
            .FirstOrDefaultAsync(cancellationToken);
}
