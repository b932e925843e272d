using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Portal.Load;

/// <summary>HTTP throughput with <c>wrk</c> (Debian's package): a C load driver, so the client costs little of the 2 cores.</summary>
public static partial class Wrk
{
    /// <summary>Requests per second answered with 2xx over <paramref name="duration"/>, after a one-second warm-up.</summary>
    public static async Task<double> RequestsPerSecondAsync(Uri url, TimeSpan duration, string? bearerToken = null, int connections = 32)
    {
        await RunAsync(url, TimeSpan.FromSeconds(1), bearerToken, connections);
        var output = await RunAsync(url, duration, bearerToken, connections);
        if (NonSuccess().Match(output) is { Success: true } failed)
            throw new InvalidOperationException($"wrk got {failed.Groups[1].Value} answers other than 2xx/3xx from {url}:\n{output}");
        return double.Parse(RequestsPerSecond().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static async Task<string> RunAsync(Uri url, TimeSpan duration, string? bearerToken, int connections)
    {
        var info = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-t", "2", "-c", connections.ToString(CultureInfo.InvariantCulture), "-d", $"{(int)duration.TotalSeconds}s", "--latency" })
            info.ArgumentList.Add(arg);
        if (bearerToken is not null)
        {
            info.ArgumentList.Add("-H");
            info.ArgumentList.Add($"Authorization: Bearer {bearerToken}");
        }
        info.ArgumentList.Add(url.ToString());
        using var process = Process.Start(info) ?? throw new InvalidOperationException("wrk did not start: apt-get install -y wrk");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"wrk failed ({process.ExitCode}): {await stderr}");
        return await stdout;
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonSuccess();
}
