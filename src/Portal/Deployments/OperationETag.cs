using System.Security.Cryptography;
using System.Text;
using Portal.Data;

namespace Portal.Deployments;

/// <summary>
/// An operation's entity tag: its id and a digest of everything its view shows that can change (state, attempt,
/// progress, the events stored, how it ended), so a poller's If-None-Match answers 304 until one of them moves.
/// </summary>
public static class OperationETag
{
    public static string Of(Operation operation)
    {
        var version = string.Join('|', operation.State, operation.Attempt, operation.LastSequence, operation.ProgressTotal, operation.ProgressDone,
            operation.ProgressFailed, operation.StartedAt?.UtcTicks, operation.FinishedAt?.UtcTicks, operation.Error, operation.ResultJson,
            string.Join(',', operation.FailedResources ?? []));
        return $"\"{operation.Id:N}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(version)).AsSpan(0, 8))}\"";
    }
}
