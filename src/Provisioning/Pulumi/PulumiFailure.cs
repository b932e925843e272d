using System.Text.RegularExpressions;

namespace Provisioning.Pulumi;

public enum PulumiFailureKind { None, Cancelled, ResourceFailed, StackNotFound, StackAlreadyExists, ConcurrentUpdate, Other }

/// <summary>Why a CLI run failed, with the text a user should see.</summary>
internal sealed partial record PulumiFailure(PulumiFailureKind Kind, string Message, IReadOnlyList<string> FailedResources)
{
    public static readonly PulumiFailure None = new(PulumiFailureKind.None, "", []);

    /// <summary>
    /// Classifies as pulumi-cli-contract.md says: never from the exit code alone (255 meant
    /// everything before CLI 3.226), but from the summary, the error events and stderr.
    /// </summary>
    public static PulumiFailure Classify(string command, CliResult result, PulumiEventMapper? events)
    {
        // A cancel that landed after the engine had finished its work changed nothing.
        if (result.Cancelled && events is { SummaryResult: "succeeded", SawEnd: true, Failures.Count: 0 }) return None;
        if (result.Cancelled || events?.SummaryResult is "canceled" or "cancelled")
            return new(PulumiFailureKind.Cancelled, "The operation was stopped at a safe point.", events?.Failures.Keys.ToList() ?? []);

        if (events is { Failures.Count: > 0 })
        {
            var (name, error) = events.Failures.First();
            var more = events.Failures.Count > 1 ? $" ({events.Failures.Count} resources failed)" : "";
            return new(PulumiFailureKind.ResourceFailed, $"{name}: {error}{more}", events.Failures.Keys.ToList());
        }

        var stderr = result.StdErr;
        if (StackNotFound().IsMatch(stderr)) return new(PulumiFailureKind.StackNotFound, Line(stderr, StackNotFound()), []);
        if (AlreadyExists().IsMatch(stderr)) return new(PulumiFailureKind.StackAlreadyExists, Line(stderr, AlreadyExists()), []);
        if (Locked().IsMatch(stderr))
            return new(PulumiFailureKind.ConcurrentUpdate,
                $"Another update of this stack is in progress (concurrent update): {Line(stderr, Locked())}", []);

        var failed = events?.SummaryResult == "failed" || (events is { SawSummary: true } && events.Errors.Count > 0);
        if (result.ExitCode == 0 && !failed) return None;

        var reason = events?.Errors.FirstOrDefault(e => !GenericFailure().IsMatch(e))
            ?? (stderr.Trim().Length > 0 ? PulumiCli.Tail(stderr) : events?.Errors.FirstOrDefault())
            ?? $"exit code {result.ExitCode}";
        var cutOff = events is { SawEnd: false, Lines: > 0 } ? " The CLI stopped before finishing its work." : "";
        return new(PulumiFailureKind.Other, $"pulumi {command} failed: {reason}{cutOff}", []);
    }

    private static string Line(string text, Regex pattern) =>
        text.Split('\n').Select(l => l.Trim()).FirstOrDefault(pattern.IsMatch) ?? text.Trim();

    [GeneratedRegex("no stack named.*found")]
    private static partial Regex StackNotFound();

    [GeneratedRegex("stack.*already exists")]
    private static partial Regex AlreadyExists();

    [GeneratedRegex(@"the stack is currently locked by|\[409\] Conflict: Another update is currently in progress\.")]
    private static partial Regex Locked();

    [GeneratedRegex("^(update|destroy|refresh|preview) failed$")]
    private static partial Regex GenericFailure();
}
