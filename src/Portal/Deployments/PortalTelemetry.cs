using System.Diagnostics;
using System.Diagnostics.Metrics;
using Portal.Data;
using Portal.Deployments;

namespace Portal.Deployments;

/// <summary>
/// The portal's own instruments, meter and activity source both named <see cref="Name"/>.
/// Names follow OpenTelemetry's conventions: dotted, lower case, the outcome as an attribute
/// rather than one counter per outcome, so a dashboard can sum or split as it likes.
/// </summary>
public sealed class PortalTelemetry
{
    public const string Name = "Portal.Deployments";

    /// <summary>Spans for an operation's run and, beneath it, each resource the engine works on.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Counter<long> _started;
    private readonly Counter<long> _ended;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _eventsWritten;

    public PortalTelemetry(IMeterFactory meters, OperationBroadcaster broadcaster, QueueStatistics queue)
    {
        var meter = meters.Create(Name);
        _started = meter.CreateCounter<long>("portal.operations.started", "{operation}",
            "Runs of operations started by this process (a resumed operation counts again)");
        _ended = meter.CreateCounter<long>("portal.operations.ended", "{operation}",
            "Runs of operations that ended; outcome = succeeded, failed, cancelled or interrupted (stopped by shutdown, resumes later)");
        _duration = meter.CreateHistogram<double>("portal.operation.duration", "s",
            "From an operation's first claim to its final state, across restarts",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600] });
        _eventsWritten = meter.CreateCounter<long>("portal.events.written", "{event}", "Deployment events stored");
        meter.CreateObservableGauge("portal.operations.queued", () => queue.Read().Depth, "{operation}",
            "Operations waiting for a worker");
        meter.CreateObservableGauge("portal.operations.queued.oldest_age", () => queue.Read().OldestAgeSeconds, "s",
            "How long the oldest queued operation has waited; 0 when none waits");
        meter.CreateObservableGauge("portal.live.subscribers", () => broadcaster.SubscriberCount, "{subscriber}",
            "Open live views of operations: Blazor pages and Server-Sent Events streams");
    }

    public void OperationStarted(OperationKind kind, string engine) => _started.Add(1, Tags(kind, engine));

    /// <param name="duration">Null when the operation has not reached a final state (interrupted by shutdown).</param>
    public void OperationEnded(OperationKind kind, string engine, string outcome, TimeSpan? duration)
    {
        var tags = Tags(kind, engine);
        tags.Add("portal.operation.outcome", outcome);
        _ended.Add(1, tags);
        if (duration is { } d) _duration.Record(d.TotalSeconds, tags);
    }

    public void EventsWritten(int count) => _eventsWritten.Add(count);

    private static TagList Tags(OperationKind kind, string engine) => new()
    {
        { "portal.operation.kind", kind.ToString().ToLowerInvariant() },
        { "portal.engine", engine },
    };
}
