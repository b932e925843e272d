namespace FakePulumi;

/// <summary>
/// The command line as pulumi's cobra parser sees it: a command path, its flags and
/// positionals, and everything after <c>--</c>. Unknown flags are rejected like the real CLI.
/// </summary>
internal sealed class Arguments
{
    private static readonly Dictionary<string, string[]> Commands = new()
    {
        ["version"] = [],
        ["plugin install"] = [],
        ["stack select"] = [],
        ["stack init"] = ["--secrets-provider="],
        ["stack output"] = ["--json", "--show-secrets"],
        ["stack rm"] = ["--yes", "--force"],
        ["config set"] = ["--plaintext", "--secret", "--path"],
        ["up"] = ["--yes", "--skip-preview", "--parallel=", "--refresh", "--target=", "--event-log="],
        ["preview"] = ["--diff", "--event-log="],
        ["refresh"] = ["--yes", "--skip-preview", "--clear-pending-creates", "--preview-only", "--event-log="],
        ["destroy"] = ["--yes", "--skip-preview", "--refresh", "--event-log="],
        ["cancel"] = ["--yes"],
    };

    private static readonly string[] Global = ["--stack=", "--non-interactive", "--color="];

    public string Command { get; private init; } = "";
    public Dictionary<string, string> Flags { get; } = [];
    public List<string> Positionals { get; } = [];

    public bool Has(string flag) => Flags.ContainsKey(flag);
    public string? Value(string flag) => Flags.GetValueOrDefault(flag);

    public static Arguments Parse(string[] args)
    {
        var words = args.TakeWhile(a => !a.StartsWith('-')).ToList();
        var command = Commands.Keys.Where(c => string.Join(' ', words).StartsWith(c, StringComparison.Ordinal)).MaxBy(c => c.Length)
            ?? throw new CliError($"unknown command \"{string.Join(' ', words)}\" for \"pulumi\"");
        var parsed = new Arguments { Command = command };
        // Pulumi registers --event-log only when PULUMI_DEBUG_COMMANDS is set.
        var debug = Environment.GetEnvironmentVariable("PULUMI_DEBUG_COMMANDS") == "true";
        var known = Commands[command].Concat(Global).Where(f => debug || !f.StartsWith("--event-log", StringComparison.Ordinal)).ToList();

        var rest = args.Skip(command.Split(' ').Length).ToList();
        for (var i = 0; i < rest.Count; i++)
        {
            var arg = rest[i];
            if (arg == "--")
            {
                parsed.Positionals.AddRange(rest.Skip(i + 1));
                break;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                parsed.Positionals.Add(arg);
                continue;
            }
            var name = arg.Split('=')[0];
            if (known.Contains(name)) parsed.Flags[name] = "true";
            else if (known.Contains(name + "="))
                parsed.Flags[name] = arg.Contains('=') ? arg[(arg.IndexOf('=') + 1)..]
                    : i + 1 < rest.Count ? rest[++i] : throw new CliError($"flag needs an argument: {name}");
            else throw new CliError($"unknown flag: {name}");
        }
        return parsed;
    }
}

/// <summary>An error the CLI reports on stderr as "error: …" with exit code 255.</summary>
internal sealed class CliError(string message) : Exception(message);
