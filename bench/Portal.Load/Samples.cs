namespace Portal.Load;

/// <summary>Every figure's value in each run, by key; min, median and max over the runs go into RESULTS.md.</summary>
public sealed class Samples
{
    private readonly Dictionary<string, List<double>> _values = [];
    private readonly List<string> _findings = [];
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    public void Add(string key, double value)
    {
        if (!_values.TryGetValue(key, out var list)) _values[key] = list = [];
        list.Add(value);
        Console.WriteLine($"  [{_clock.Elapsed:mm\\:ss}] {key} = {value:0.###}");
    }

    public IReadOnlyList<double> this[string key] => _values.TryGetValue(key, out var list) ? list : [];

    /// <summary>Something the run noticed that is not a number: a defect, a changed shape. Listed once in RESULTS.md.</summary>
    public void Finding(string text)
    {
        if (_findings.Contains(text)) return;
        _findings.Add(text);
        Console.WriteLine($"  finding: {text}");
    }

    public IReadOnlyList<string> Findings => _findings;

    public static double Median(IReadOnlyList<double> values) => Percentile(values, 50);

    /// <summary>Nearest rank: the smallest value with at least <paramref name="percent"/> % of the values at or below it.</summary>
    public static double Percentile(IReadOnlyList<double> values, double percent)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
