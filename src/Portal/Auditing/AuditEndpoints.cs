using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Portal.Api;
using Portal.Data;
using Portal.Identity;

namespace Portal.Auditing;

public static class AuditEndpoints
{
    public static RouteGroupBuilder MapAuditing(this RouteGroupBuilder api)
    {
        var audit = api.MapGroup("/audit").WithTags("Audit").RequireAuthorization(Policies.AuditRead);
        audit.MapGet("/", ListAsync).WithName("ListAuditEntries").WithSummary("Search the audit trail, newest first");
        audit.MapGet("/export", ExportAsync).WithName("ExportAuditEntries").WithSummary("Export the filtered audit trail as CSV or NDJSON")
            .Produces(StatusCodes.Status200OK, typeof(string), "text/csv", "application/x-ndjson").ProducesFileName();
        audit.MapGet("/verify", async (AuditQuery audit, CancellationToken ct) => TypedResults.Ok(await audit.VerifyAsync(ct)))
            .WithName("VerifyAuditChain").WithSummary("Check the hash chain of the whole audit trail");
        return api;
    }

    private static async Task<Results<Ok<AuditPage>, ValidationProblem>> ListAsync(
        AuditQuery audit, [AsParameters] AuditFilterQuery query, [FromQuery] long? cursor, [FromQuery] int? limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > AuditQuery.MaxPageSize)
            return ApiResults.Invalid(new Dictionary<string, string[]> { ["limit"] = [$"'limit' must be between 1 and {AuditQuery.MaxPageSize}."] });
        return TypedResults.Ok(await audit.PageAsync(query.ToFilter(), cursor, limit ?? 50, cancellationToken));
    }

    private static async Task<Results<EmptyHttpResult, ValidationProblem>> ExportAsync(
        HttpContext http, AuditQuery audit, [AsParameters] AuditFilterQuery query, [FromQuery] string? format, CancellationToken cancellationToken)
    {
        if (format is not ("csv" or "ndjson"))
            return ApiResults.Invalid(new Dictionary<string, string[]> { ["format"] = ["'format' is 'csv' or 'ndjson'."] });
        var stamp = DateTimeOffset.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        http.Response.ContentType = format == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"audit-{stamp}.{format}\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false));
        if (format == "csv") await writer.WriteLineAsync(string.Join(',', CsvHeader));
        await foreach (var view in audit.ExportAsync(query.ToFilter(), cancellationToken))
        {
            await writer.WriteLineAsync(format == "csv" ? CsvLine(view) : JsonSerializer.Serialize(view, PortalJson.Options));
        }
        return TypedResults.Empty;
    }

    private static readonly string[] CsvHeader =
        ["id", "timestamp", "actorType", "actorId", "actorName", "tokenId", "actorIp", "userAgent", "team", "action", "targetType", "targetId", "outcome", "details", "hash"];

    private static string CsvLine(AuditEntryView e) => string.Join(',', new[]
    {
        e.Id.ToString(CultureInfo.InvariantCulture), e.Timestamp.ToString("O"), e.ActorType, e.ActorId, e.ActorName, e.TokenId?.ToString(),
        e.ActorIp, e.UserAgent, e.Team, e.Action, e.TargetType, e.TargetId, e.Outcome, e.Details, e.Hash,
    }.Select(Csv));

    /// <summary>Quotes every field, and defuses values a spreadsheet would run as a formula.</summary>
    private static string Csv(string? value)
    {
        var text = value ?? "";
        if (text.Length > 0 && "=+-@\t\r".Contains(text[0])) text = "'" + text;
        return "\"" + text.Replace("\"", "\"\"") + "\"";
    }
}

/// <summary>The audit filters as query parameters.</summary>
public sealed record AuditFilterQuery(string? Actor, string? Team, string? Action, string? Target, DateTimeOffset? From, DateTimeOffset? To, string? Q)
{
    public AuditFilter ToFilter() => new(Actor, Team, Action, Target, From, To, Q);
}
