using System.Globalization;

namespace Portal.Components.Shared;

/// <summary>A duration as a person reads it: "850 ms", "12.4 s", "2 min 05 s", "1 h 02 min".</summary>
public static class DurationText
{
    public static string Of(TimeSpan duration) => duration switch
    {
        { TotalSeconds: < 1 } => $"{Math.Max(0, (int)duration.TotalMilliseconds)} ms",
        { TotalMinutes: < 1 } => duration.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s",
        { TotalHours: < 1 } => $"{(int)duration.TotalMinutes} min {duration.Seconds:00} s",
        _ => $"{(int)duration.TotalHours} h {duration.Minutes:00} min",
    };
}
