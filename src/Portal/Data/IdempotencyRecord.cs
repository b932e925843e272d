namespace Portal.Data;

/// <summary>
/// An <c>Idempotency-Key</c> a caller used, and the response the first request with it got.
/// The row is inserted before the request runs (in progress), so concurrent retries with the
/// same key find it and wait for the stored response instead of running the request again.
/// </summary>
public sealed class IdempotencyRecord
{
    public long Id { get; set; }
    public required string Caller { get; set; }
    public required string Key { get; set; }

    /// <summary>SHA-256 of method, path and body: the same key with another request is refused.</summary>
    public required string RequestHash { get; set; }

    /// <summary>Null while the first request is still running.</summary>
    public int? StatusCode { get; set; }
    public string? Location { get; set; }
    public string? ContentType { get; set; }
    public byte[]? Body { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}
