namespace FakeSsm;

/// <summary>
/// One command on one instance. Its outcome is decided when it is sent; polling it walks it through
/// "does not exist yet", InProgress and then its end, the way SSM's eventual consistency does.
/// </summary>
internal sealed class FakeInvocation
{
    public required string CommandId { get; init; }
    public required string InstanceId { get; init; }
    public required string Comment { get; init; }
    public required DateTimeOffset RequestedAt { get; init; }
    public required string FinalStatus { get; init; }
    public required int ResponseCode { get; init; }
    public required string StandardOutput { get; init; }
    public required string StandardError { get; init; }
    public int InvisiblePolls { get; set; }
    public int PendingPolls { get; set; }

    /// <summary>Null while SSM would still answer InvocationDoesNotExist.</summary>
    public string? Status { get; private set; }

    public bool Ended => Status is "Success" or "Failed" or "Cancelled" or "TimedOut";

    /// <summary>One look at the invocation (GetCommandInvocation or ListCommandInvocations).</summary>
    public void Poll()
    {
        if (InvisiblePolls > 0) { InvisiblePolls--; return; }
        if (PendingPolls > 0) { PendingPolls--; Status = "InProgress"; return; }
        Status = FinalStatus;
    }
}
