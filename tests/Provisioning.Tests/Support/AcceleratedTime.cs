namespace Provisioning.Tests.Support;

/// <summary>
/// Real time, run faster: a probe that polls every second and gives a server 30 s still behaves as it would
/// with those settings, in a fraction of the wall-clock time.
/// </summary>
public sealed class AcceleratedTime(int factor) : TimeProvider
{
    private readonly DateTimeOffset _start = System.GetUtcNow();
    private readonly long _started = System.GetTimestamp();

    public override DateTimeOffset GetUtcNow() => _start + System.GetElapsedTime(_started) * factor;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        System.CreateTimer(callback, state, Scale(dueTime), Scale(period));

    private TimeSpan Scale(TimeSpan span) => span == Timeout.InfiniteTimeSpan ? span : span / factor;
}
