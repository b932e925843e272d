namespace Provisioning.Pulumi;

/// <summary>
/// The Pulumi engine is ready when its CLI answers with a supported version. Checking starts a
/// process, so an answer is reused for a minute rather than spawned on every probe.
/// </summary>
internal sealed class PulumiReadiness(PulumiCli cli, TimeProvider time)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTimeOffset At, string? Problem)? _last;

    public async Task<string?> ProblemAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } last && time.GetUtcNow() - last.At < CacheFor) return last.Problem;
            var check = await cli.CheckAsync(cancellationToken);
            _last = (time.GetUtcNow(), check.Problem);
            return check.Problem;
        }
        finally
        {
            _gate.Release();
        }
    }
}
