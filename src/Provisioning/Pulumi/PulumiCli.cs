using System.ComponentModel;
using System.Text;
using System.Text.RegularExpressions;
using CliWrap;
using Microsoft.Extensions.Logging;
using Provisioning.Security;

namespace Provisioning.Pulumi;

/// <summary>What one CLI run ended with. <see cref="Cancelled"/> runs have no meaningful exit code.</summary>
internal sealed record CliResult(int ExitCode, string StdOut, string StdErr, bool Cancelled)
{
    public bool Ok => !Cancelled && ExitCode == 0;
}

/// <summary>The result of <see cref="PulumiCli.CheckAsync"/>: the CLI's version, or what is wrong.</summary>
public sealed record PulumiCheck(string? Version, string? Problem)
{
    public bool Ok => Problem is null;
}

/// <summary>
/// Runs the <c>pulumi</c> executable the way the Automation API does (pulumi-cli-contract.md):
/// explicit environment, <c>--non-interactive</c> and <c>--stack</c> on stack commands, SIGINT
/// first on cancel and a kill only after <see cref="PulumiOptions.CancelTimeout"/>.
/// </summary>
public sealed partial class PulumiCli(PulumiOptions options, ILogger<PulumiCli> logger)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    internal PulumiOptions Options => options;

    /// <summary>Checks settings, that the CLI runs and is new enough; installs the AWS plugin when configured.</summary>
    public async Task<PulumiCheck> CheckAsync(CancellationToken cancellationToken = default)
    {
        var problems = options.Problems().ToList();
        if (problems.Count > 0) return new(null, string.Join(" ", problems));

        CliResult result;
        try
        {
            result = await RunAsync(null, null, ["version"], null, cancellationToken);
        }
        catch (Win32Exception)
        {
            return new(null, $"The Pulumi CLI was not found at '{options.CliPath}'. Install the pulumi CLI ({options.MinimumVersion} or newer) " +
                             $"or set {PulumiOptions.Section}:CliPath (environment variable Provisioning__Pulumi__CliPath) to the full path of the executable.");
        }
        var text = result.StdOut.Trim();
        var match = VersionPattern().Match(text);
        if (!result.Ok || !match.Success || !Version.TryParse(match.Groups[1].Value, out var version))
            return new(null, $"'{options.CliPath} version' did not report a version (exit code {result.ExitCode}: {Tail(result.StdErr)}). " +
                             $"Install the pulumi CLI ({options.MinimumVersion} or newer) or set {PulumiOptions.Section}:CliPath.");
        var minimum = Version.Parse(options.MinimumVersion);
        if (version < minimum)
            return new(text, $"The Pulumi CLI at '{options.CliPath}' is version {version}, below the minimum {minimum}. " +
                             $"Install a newer pulumi CLI or point {PulumiOptions.Section}:CliPath at one.");

        if (options.InstallPlugins)
        {
            var install = await RunAsync(null, null, ["plugin", "install", "resource", "aws", options.AwsPluginVersion], null, cancellationToken);
            if (!install.Ok)
                return new(text, $"Installing the AWS plugin {options.AwsPluginVersion} failed: {Tail(install.StdErr)}");
        }
        return new(text, null);
    }

    /// <summary>
    /// Runs one command to its end. With a <paramref name="stack"/> the stack and
    /// <c>--non-interactive</c> are appended; a <paramref name="trailingValue"/> goes last, after
    /// <c>--</c>, and is never logged (it may be a secret).
    /// </summary>
    internal Task<CliResult> RunAsync(string? workDir, string? stack, IReadOnlyList<string> args, string? trailingValue, CancellationToken cancellationToken) =>
        RunCoreAsync(workDir, stack, args, trailingValue, null, cancellationToken);

    /// <summary>
    /// Runs an engine command with <c>--event-log</c> and hands every complete event line to
    /// <paramref name="onEvent"/> while the command runs, then the rest once it has exited.
    /// </summary>
    internal Task<CliResult> RunWithEventsAsync(
        string workDir, string stack, IReadOnlyList<string> args, Func<string, ValueTask> onEvent, CancellationToken cancellationToken)
    {
        var eventLog = Path.Combine(workDir, $"events-{Guid.NewGuid():N}.jsonl");
        return RunCoreAsync(workDir, stack, [.. args, "--event-log", eventLog], null, (eventLog, onEvent), cancellationToken);
    }

    private async Task<CliResult> RunCoreAsync(
        string? workDir, string? stack, IReadOnlyList<string> args, string? trailingValue,
        (string Path, Func<string, ValueTask> OnEvent)? events, CancellationToken cancellationToken)
    {
        var arguments = args.ToList();
        if (stack is not null) arguments.AddRange(["--stack", stack, "--non-interactive"]);
        if (trailingValue is not null) arguments.AddRange(["--", trailingValue]);
        var shown = string.Join(' ', args) + (stack is null ? "" : $" --stack {stack}") + (trailingValue is null ? "" : " -- [value hidden]");

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var command = Cli.Wrap(options.CliPath)
            .WithArguments(arguments)
            .WithEnvironmentVariables(Environment())
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.ToStringBuilder(stdout))
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(stderr));
        if (workDir is not null) command = command.WithWorkingDirectory(workDir);

        // The graceful token (SIGINT) fires with the caller's; the forceful one (kill) only if the CLI
        // has not stopped CancelTimeout later: a plain kill leaves pending operations and a stale lock.
        using var forceful = new CancellationTokenSource();
        using var escalation = cancellationToken.Register(() => forceful.CancelAfter(options.CancelTimeout));

        logger.LogInformation("Running pulumi {Arguments}", shown);
        using var tail = events is null ? null : new EventLogTail(events.Value.Path);
        var exitCode = -1;
        var cancelled = false;
        try
        {
            var task = command.ExecuteAsync(forceful.Token, cancellationToken).Task;
            if (tail is not null)
            {
                while (!task.IsCompleted)
                {
                    await Task.WhenAny(task, Task.Delay(PollInterval, CancellationToken.None));
                    foreach (var line in tail.ReadCompleteLines()) await events!.Value.OnEvent(line);
                }
            }
            exitCode = (await task).ExitCode;
        }
        catch (OperationCanceledException)
        {
            cancelled = true;
            logger.LogWarning("pulumi {Arguments} was cancelled{Killed}", shown, forceful.IsCancellationRequested ? " and killed after the timeout" : " (SIGINT)");
        }
        finally
        {
            // Whatever the CLI wrote before it exited still counts, also a last line without '\n'.
            if (tail is not null)
                foreach (var line in tail.ReadCompleteLines(drain: true)) await events!.Value.OnEvent(line);
        }
        if (tail is not null) TryDelete(events!.Value.Path);

        if (!cancelled)
            // Information, not Warning: some failures are expected (select before init); callers judge.
            logger.LogInformation("pulumi {Arguments} exited with {ExitCode}{StdErr}", shown, exitCode, exitCode == 0 ? "" : ": " + SecretRedaction.Redact(Tail(stderr.ToString()), [options.Passphrase, trailingValue]));
        return new(exitCode, stdout.ToString(), stderr.ToString(), cancelled);
    }

    private Dictionary<string, string?> Environment()
    {
        var environment = new Dictionary<string, string?>(options.Environment.ToDictionary(kv => kv.Key, kv => (string?)kv.Value))
        {
            ["PULUMI_BACKEND_URL"] = options.BackendUrl,
            ["PULUMI_CONFIG_PASSPHRASE"] = options.Passphrase,
            ["PULUMI_SKIP_UPDATE_CHECK"] = "true",
            // Without it the CLI does not register --event-log.
            ["PULUMI_DEBUG_COMMANDS"] = "true",
        };
        if (!string.IsNullOrEmpty(options.Home)) environment["PULUMI_HOME"] = options.Home;
        if (!string.IsNullOrEmpty(options.AwsProfile)) environment["AWS_PROFILE"] = options.AwsProfile;
        if (!string.IsNullOrEmpty(options.AwsRegion)) environment["AWS_REGION"] = options.AwsRegion;
        if (options.InstallPlugins) environment["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] = "true";
        return environment;
    }

    /// <summary>Keeps the passphrase and a secret argument off log lines, should the CLI ever echo them.</summary>
    internal static string Tail(string text, int maxLength = 600)
    {
        text = text.Trim();
        return text.Length <= maxLength ? text : "…" + text[^maxLength..];
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
    }

    [GeneratedRegex(@"v?(\d+\.\d+\.\d+)")]
    private static partial Regex VersionPattern();
}
