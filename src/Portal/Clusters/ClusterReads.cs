using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Identity;

namespace Portal.Clusters;

/// <summary>What a cluster list shows: all but destroyed clusters unless a status is asked for.</summary>
public sealed record ClusterFilter(ClusterStatus? Status = null, string? Team = null, string? NameContains = null);

/// <summary>Where a page of the list starts: after the cluster with this sort key.</summary>
public sealed record ClusterCursor(string Name, DateTimeOffset CreatedAt, Guid Id);

/// <summary>A page of cluster summaries in list order; <see cref="Next"/> is where the next page starts, null on the last.</summary>
public sealed record ClusterPage(IReadOnlyList<ClusterSummaryView> Items, ClusterCursor? Next);

/// <summary>A cluster with its newest operations, as its page shows them.</summary>
public sealed record ClusterDetails(Cluster Cluster, IReadOnlyList<Operation> Operations);

/// <summary>A reminder to a cluster's team that the portal destroys it soon; <see cref="Kind"/> is how long before it was raised.</summary>
public sealed record ExpiryReminderView(string Cluster, string Team, string Kind, DateTimeOffset ExpiresAt, DateTimeOffset RaisedAt);

/// <summary>
/// The reads of clusters, shared by the API and the pages so that both list and find the same way. Every read is
/// limited to what the caller may see; for a person, the caller passed in says whose teams (the API resolves it per
/// request, a page refreshes it when it reloads).
/// </summary>
public sealed class ClusterReads(IDbContextFactory<PortalDbContext> dbFactory)
{
    /// <summary>
    /// Summaries of the caller's clusters by name (then creation, then id), after <paramref name="after"/>; all of them without
    /// a <paramref name="limit"/>. It reads only the columns a summary needs: never the outputs (most of a row) nor the secrets.
    /// </summary>
    public async Task<ClusterPage> ListAsync(Caller caller, ClusterFilter filter, ClusterCursor? after, int? limit, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Clusters.AsNoTracking().VisibleTo(caller);
        query = filter.Status is { } status ? query.Where(c => c.Status == status) : query.Where(c => c.Status != ClusterStatus.Destroyed);
        if (!string.IsNullOrWhiteSpace(filter.Team)) query = query.Where(c => c.Team == filter.Team);
        if (!string.IsNullOrWhiteSpace(filter.NameContains)) query = query.Where(c => c.Name.Contains(filter.NameContains));
        if (after is { } a)
            query = query.Where(c => string.Compare(c.Name, a.Name) > 0
                || (c.Name == a.Name && (c.CreatedAt > a.CreatedAt || (c.CreatedAt == a.CreatedAt && c.Id.CompareTo(a.Id) > 0))));
        var ordered = query.OrderBy(c => c.Name).ThenBy(c => c.CreatedAt).ThenBy(c => c.Id);
        var rows = await (limit is { } take ? ordered.Take(take + 1) : ordered)
            .Select(c => new
            {
                c.Id,
                Summary = ClusterSummaryView.From(c.Name, c.Team, c.Status, c.Engine, c.Spec, c.CreatedAt, c.UpdatedAt,
                    c.Health, c.HealthCheckedAt, c.FailingChecks, c.ZoneOutage, c.ExpiresAt,
                    // At most one is active per cluster (a unique index): the one a retry or a change just queued.
                    db.Operations.Where(o => o.ClusterId == c.Id && Operation.ActiveStates.Contains(o.State))
                        .Select(o => (OperationKind?)o.Kind).FirstOrDefault()),
            })
            .ToListAsync(cancellationToken);
        if (limit is not { } size || rows.Count <= size) return new ClusterPage(rows.Select(r => r.Summary).ToList(), null);
        var last = rows[size - 1];
        return new ClusterPage(rows.Take(size).Select(r => r.Summary).ToList(), new ClusterCursor(last.Summary.Name, last.Summary.CreatedAt, last.Id));
    }

    /// <summary>
    /// The reminders of the caller's live clusters (of the one named, when <paramref name="name"/> is given) that still hold:
    /// one per cluster, the latest raised, soonest expiry first. A reminder of an expiry since moved no longer shows.
    /// </summary>
    public async Task<IReadOnlyList<ExpiryReminderView>> RemindersAsync(Caller caller, string? name, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var clusters = db.Clusters.AsNoTracking().VisibleTo(caller).Where(c => c.Status != ClusterStatus.Destroyed && (name == null || c.Name == name));
        var reminders = await (
                from r in db.ExpiryReminders.AsNoTracking()
                join c in clusters on r.ClusterId equals c.Id
                where r.ExpiresAt == c.ExpiresAt
                select new ExpiryReminderView(c.Name, c.Team, r.Kind, r.ExpiresAt, r.RaisedAt))
            .ToListAsync(cancellationToken);
        return reminders.GroupBy(r => r.Cluster).Select(g => g.MaxBy(r => r.RaisedAt)!).OrderBy(r => r.ExpiresAt).ThenBy(r => r.Cluster).ToList();
    }

    /// <summary>The teams that have clusters the caller may see, destroyed ones included, by name.</summary>
    public async Task<List<string>> TeamsAsync(Caller caller, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Clusters.VisibleTo(caller).Select(c => c.Team).Distinct().OrderBy(t => t).ToListAsync(cancellationToken);
    }

    /// <inheritdoc cref="TeamVisibility.FindAsync"/>
    public async Task<Cluster?> FindAsync(Caller caller, string name, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await TeamVisibility.FindAsync(db, caller, name, cancellationToken);
    }

    /// <summary>The cluster <see cref="FindAsync"/> finds, with its <paramref name="operations"/> newest operations; null for "not there" and "not yours" alike.</summary>
    public async Task<ClusterDetails?> DetailsAsync(Caller caller, string name, int operations, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var named = db.Clusters.AsNoTracking().Named(caller, name);
        var recent = await db.Operations.AsNoTracking()
            .Where(o => o.ClusterId == named.Select(c => c.Id).FirstOrDefault())
            .OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Id).Take(operations).ToListAsync(cancellationToken);
        // Read after its operations, so the status is never older than they are: an operation finishing
        // between the reads would otherwise leave "provisioning" beside a create that has succeeded.
        return await named.FirstOrDefaultAsync(cancellationToken) is { } cluster ? new ClusterDetails(cluster, recent) : null;
    }
}
