using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Data;
using Portal.Identity;

namespace Portal.Idempotency;

/// <summary>
/// Makes retries of creating requests safe. The first request with a key inserts the key's row
/// (in progress) in its own transaction, so the unique index on (caller, key) elects exactly one
/// runner among concurrent requests; the others wait for its stored response and replay it.
/// The same key with a different request answers 422. Server errors are not kept, so a retry runs again.
/// </summary>
internal sealed class IdempotencyMiddleware(RequestDelegate next, IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time, ILogger<IdempotencyMiddleware> logger)
{
    private const string Header = IdempotencyKeys.Header, ReplayedHeader = IdempotencyKeys.ReplayedHeader;
    private const int MaxKeyLength = IdempotencyKeys.MaxKeyLength;
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);
    private static readonly TimeSpan WaitForFirst = TimeSpan.FromSeconds(30);

    public async Task InvokeAsync(HttpContext http)
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<IdempotentEndpoint>() is null
            || !http.Request.Headers.TryGetValue(Header, out var values))
        {
            await next(http);
            return;
        }
        if (values.Count != 1 || values[0] is not { Length: > 0 and <= MaxKeyLength } key || key.Any(c => c is < '!' or > '~'))
        {
            await ApiResults.WriteProblemAsync(http, StatusCodes.Status400BadRequest, "idempotency-key-invalid",
                $"{Header} must be one value of 1 to {MaxKeyLength} visible ASCII characters, e.g. a UUID.");
            return;
        }
        if (await HashRequestAsync(http) is not { } hash)
        {
            await ApiResults.WriteProblemAsync(http, StatusCodes.Status413PayloadTooLarge, "payload-too-large",
                $"The request body is larger than the API accepts ({ApiErrors.MaxBodyBytes} bytes).");
            return;
        }

        var caller = ApiCaller.Of(http);
        var deadline = time.GetUtcNow() + WaitForFirst;
        while (true)
        {
            if (await TryClaimAsync(caller, key, hash, http.RequestAborted) is { } claimed)
            {
                await RunAndStoreAsync(http, claimed);
                return;
            }
            await using var db = await dbFactory.CreateDbContextAsync(http.RequestAborted);
            var existing = await db.IdempotencyKeys.AsNoTracking().SingleOrDefaultAsync(r => r.Caller == caller && r.Key == key, http.RequestAborted);
            if (existing is null) continue; // the first request failed and gave the key back: run it now
            if (existing.CreatedAt < time.GetUtcNow() - Retention)
            {
                await db.IdempotencyKeys.Where(r => r.Id == existing.Id).ExecuteDeleteAsync(http.RequestAborted);
                continue;
            }
            if (existing.RequestHash != hash)
            {
                await ApiResults.WriteProblemAsync(http, StatusCodes.Status422UnprocessableEntity, "idempotency-key-reused",
                    $"The {Header} '{key}' was already used with a different request; use a new key for a new request.");
                return;
            }
            if (existing.StatusCode is not null)
            {
                if (await MaySeeAsync(http, existing)) await ReplayAsync(http, existing);
                else
                    await ApiResults.WriteProblemAsync(http, StatusCodes.Status404NotFound, "not-found",
                        $"The request first sent with this {Header} is about a cluster you can no longer see.");
                return;
            }
            if (time.GetUtcNow() > deadline)
            {
                http.Response.Headers.RetryAfter = "1";
                await ApiResults.WriteProblemAsync(http, StatusCodes.Status409Conflict, "idempotency-key-in-progress",
                    $"A request with the {Header} '{key}' is still running; retry shortly to get its response.");
                return;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), time, http.RequestAborted);
        }
    }

    /// <summary>
    /// SHA-256 of method, path, query and body; null if the body is larger than the API accepts.
    /// A JSON body counts by its content: a client that re-serialises its retry with other spacing
    /// or key order sends the same request.
    /// </summary>
    private static async Task<string?> HashRequestAsync(HttpContext http)
    {
        http.Request.EnableBuffering(bufferThreshold: 32 * 1024, bufferLimit: ApiErrors.MaxBodyBytes + 1);
        using var body = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
        {
            body.Write(buffer, 0, read);
            if (body.Length > ApiErrors.MaxBodyBytes) return null;
        }
        http.Request.Body.Position = 0;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{http.Request.Method} {http.Request.Path}{http.Request.QueryString}\n"));
        sha.AppendData(CanonicalJson(body.GetBuffer().AsMemory(0, (int)body.Length)));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Compact JSON with object keys in ordinal order; anything that is not JSON as it came.</summary>
    private static ReadOnlySpan<byte> CanonicalJson(ReadOnlyMemory<byte> body)
    {
        try
        {
            var node = JsonNode.Parse(body.Span);
            using var canonical = new MemoryStream();
            using (var writer = new Utf8JsonWriter(canonical)) WriteSorted(writer, node);
            return canonical.ToArray();
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            // Not JSON, or a key given twice: compared as sent. The endpoint refuses such bodies anyway.
            return body.Span;
        }
    }

    private static void WriteSorted(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (name, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(name);
                    WriteSorted(writer, value);
                }
                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array) WriteSorted(writer, item);
                writer.WriteEndArray();
                break;
            case null:
                writer.WriteNullValue();
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }

    private async Task<IdempotencyRecord?> TryClaimAsync(string caller, string key, string hash, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        // Expired keys go first, so a key can be reused after its retention and the table stays small.
        await db.IdempotencyKeys.Where(r => r.CreatedAt < now - Retention).ExecuteDeleteAsync(cancellationToken);
        var record = new IdempotencyRecord { Caller = caller, Key = key, RequestHash = hash, CreatedAt = now };
        db.IdempotencyKeys.Add(record);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return record;
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            return null; // another request holds the key
        }
    }

    private async Task RunAndStoreAsync(HttpContext http, IdempotencyRecord record)
    {
        var original = http.Response.Body;
        using var captured = new MemoryStream();
        http.Response.Body = captured;
        var keep = false;
        try
        {
            await next(http);
            var status = http.Response.StatusCode;
            keep = status < 500 && status != StatusCodes.Status429TooManyRequests;
        }
        finally
        {
            http.Response.Body = original;
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            if (keep)
                await db.IdempotencyKeys.Where(r => r.Id == record.Id).ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.StatusCode, http.Response.StatusCode)
                    .SetProperty(r => r.Location, http.Response.Headers.Location.ToString() is { Length: > 0 } location ? location : null)
                    .SetProperty(r => r.ContentType, http.Response.ContentType)
                    .SetProperty(r => r.Body, captured.ToArray())
                    .SetProperty(r => r.CompletedAt, time.GetUtcNow()), CancellationToken.None);
            else
            {
                // Nothing durable happened, or we cannot tell: give the key back so a retry runs the request again.
                logger.LogInformation("Releasing idempotency key of {Caller} after status {Status}", record.Caller, http.Response.StatusCode);
                await db.IdempotencyKeys.Where(r => r.Id == record.Id).ExecuteDeleteAsync(CancellationToken.None);
            }
        }
        captured.Position = 0;
        await captured.CopyToAsync(original, http.RequestAborted);
    }

    private const string OperationsPath = "/api/v1/operations/";

    /// <summary>
    /// Whether the caller may see, now, what the stored answer shows. Every idempotent endpoint answers with the
    /// operation it enqueued or cancelled (Location <c>/api/v1/operations/{id}</c>) and its cluster, and the caller
    /// may have left that cluster's team since: a replay must not show them what a fresh request would not.
    /// </summary>
    private async Task<bool> MaySeeAsync(HttpContext http, IdempotencyRecord record)
    {
        if (record.Location is not { } location || !location.StartsWith(OperationsPath, StringComparison.Ordinal)
            || !Guid.TryParse(location.AsSpan(OperationsPath.Length), out var operationId)) return true;
        await using var db = await dbFactory.CreateDbContextAsync(http.RequestAborted);
        var team = await db.Operations.Where(o => o.Id == operationId).Select(o => o.Cluster.Team).SingleOrDefaultAsync(http.RequestAborted);
        return team is not null && await Caller.FromAsync(http, db) is { } caller && (await caller.NowAsync(db, http.RequestAborted)).CanSee(team);
    }

    private static async Task ReplayAsync(HttpContext http, IdempotencyRecord record)
    {
        http.Response.StatusCode = record.StatusCode!.Value;
        if (record.Location is not null) http.Response.Headers.Location = record.Location;
        if (record.ContentType is not null) http.Response.ContentType = record.ContentType;
        http.Response.Headers[ReplayedHeader] = "true";
        if (record.Body is { Length: > 0 } body) await http.Response.Body.WriteAsync(body, http.RequestAborted);
    }
}
