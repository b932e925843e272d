using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Clusters;
using Portal.Data;

namespace Portal.Deployments;

/// <summary>Query values of an operation list: state, kind, the cluster's team, a cluster name fragment, and the page.</summary>
public sealed record OperationFilter(string? Status, string? Kind, string? Team, string? Q, int? Limit, string? Cursor);

/// <summary>Operation lists, newest first, with the same filters and cursor pagination everywhere.</summary>
internal static class OperationLists
{
    public static async Task<Results<Ok<OperationListView>, ValidationProblem, ProblemHttpResult>> PageAsync(
        PortalDbContext db, HttpRequest http, IQueryable<Operation> operations, OperationFilter filter, CancellationToken cancellationToken)
    {
        if (!Pagination.TryRead(filter.Limit, filter.Cursor, 2, out var take, out var after, out var errors)) return ApiResults.Invalid(errors);
        if (!ApiQuery.TryParseEnum<OperationState>(filter.Status, out var state))
            return ApiResults.Invalid("status", $"'status' is one of: {ApiQuery.Names<OperationState>()}.");
        if (!ApiQuery.TryParseEnum<OperationKind>(filter.Kind, out var kind))
            return ApiResults.Invalid("kind", $"'kind' is one of: {ApiQuery.Names<OperationKind>()}.");
        if (filter.Q is { Length: > 64 }) return ApiResults.Invalid("q", "'q' is at most 64 characters.");

        var query = operations.AsNoTracking().Include(o => o.Cluster).AsQueryable();
        if (state is { } s) query = query.Where(o => o.State == s);
        if (kind is { } k) query = query.Where(o => o.Kind == k);
        if (!string.IsNullOrWhiteSpace(filter.Team)) query = query.Where(o => o.Cluster.Team == filter.Team);
        if (!string.IsNullOrWhiteSpace(filter.Q)) query = query.Where(o => o.Cluster.Name.Contains(filter.Q));
        if (after is [var ticks, var id])
        {
            if (!Pagination.TryReadTime(ticks, out var createdAt) || !Guid.TryParse(id, out var lastId))
                return ApiResults.Invalid("cursor", "'cursor' is not a cursor of this list.");
            query = query.Where(o => o.CreatedAt < createdAt || (o.CreatedAt == createdAt && o.Id.CompareTo(lastId) < 0));
        }
        var rows = await query.OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Id).Take(take + 1).ToListAsync(cancellationToken);
        var page = rows.Take(take).ToList();
        var next = Pagination.NextLink(http, page, take, rows.Count > take, o => Pagination.Encode(o.CreatedAt.UtcTicks.ToString(), o.Id.ToString()));
        return TypedResults.Ok(new OperationListView(page.Select(o => OperationView.From(o, o.Cluster.Name)).ToList(), next));
    }
}
