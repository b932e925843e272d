using System.Diagnostics;

namespace TestSupport;

/// <summary>
/// A command-line tool a test needs (shellcheck, …). Like <see cref="SharedData"/>: locally a
/// missing tool skips the test, in CI (<c>CI=true</c>) it fails, because CI installs it.
/// </summary>
public static class ExternalTool
{
    public static string Require(string name)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => System.IO.Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
        if (found is not null) return found;
        var message = $"'{name}' is not on PATH; install it (CI installs it from apt).";
        if (SharedData.IsCi) Assert.Fail(message);
        Assert.Skip(message);
        return name;
    }

    public static async Task<(int ExitCode, string Output)> RunAsync(string path, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {path}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }
}
