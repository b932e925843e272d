namespace Portal.Data;

/// <summary>
/// One append-only record of who did what, when and from where. Each entry carries the hash of
/// the previous one, so editing or deleting a row breaks the chain from that row on.
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTimeOffset Timestamp { get; set; }

    /// <summary><c>user</c>, <c>token</c>, <c>anonymous</c> or <c>system</c>.</summary>
    public required string ActorType { get; set; }
    public string? ActorId { get; set; }
    public string? ActorName { get; set; }
    public Guid? TokenId { get; set; }
    public string? ActorIp { get; set; }
    public string? UserAgent { get; set; }
    public string? Team { get; set; }

    /// <summary>What happened, e.g. <c>cluster.create</c>, <c>token.revoke</c>, <c>signin.failure</c>.</summary>
    public required string Action { get; set; }
    public string? TargetType { get; set; }
    public string? TargetId { get; set; }

    /// <summary><c>success</c>, <c>failure</c> or <c>denied</c>.</summary>
    public required string Outcome { get; set; }

    /// <summary>Details as JSON; never a secret.</summary>
    public string? DetailsJson { get; set; }

    public required string PreviousHash { get; set; }
    public required string Hash { get; set; }
}
