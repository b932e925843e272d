using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using FakePulumi;

// Test knobs, read from the environment like everything else the engine controls:
//   FAKE_PULUMI_VERSION        what `version` prints (default v3.190.0)
//   FAKE_PULUMI_FAIL_RESOURCE  a logical name whose create fails with an AWS error
//   FAKE_PULUMI_STEP_DELAY_MS  how long each resource step takes
//   FAKE_PULUMI_CRASH_AFTER    die (no cleanup) after creating n resources, one create pending, lock left
//   FAKE_PULUMI_SIGNAL_LOG     a file that records each SIGINT received
//   FAKE_PULUMI_IGNORE_SIGINT  true: a hung CLI that only a kill stops
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
{
    // Like the CLI: the first SIGINT asks the engine to stop after the steps in flight.
    context.Cancel = true;
    if (Environment.GetEnvironmentVariable("FAKE_PULUMI_SIGNAL_LOG") is { Length: > 0 } log)
        File.AppendAllText(log, $"SIGINT {Environment.ProcessId}\n");
    Operations.Interrupted = Environment.GetEnvironmentVariable("FAKE_PULUMI_IGNORE_SIGINT") != "true";
});

try
{
    var arguments = Arguments.Parse(args);
    return arguments.Command switch
    {
        "version" => Print(Environment.GetEnvironmentVariable("FAKE_PULUMI_VERSION") ?? "v3.190.0"),
        "plugin install" => Print($"[resource plugin {string.Join('-', arguments.Positionals)}] installing"),
        _ => new Operations(arguments).Run(),
    };
}
catch (CliError e)
{
    Console.Error.WriteLine("error: " + e.Message);
    return 255;
}

static int Print(string text)
{
    Console.WriteLine(text);
    return 0;
}

internal sealed class Operations
{
    public static volatile bool Interrupted;

    private readonly Arguments _args;
    private readonly string _stack;
    private readonly FakeProgram _program;
    private readonly FakeBackend _backend;
    private readonly StackConfig _config;

    public Operations(Arguments args)
    {
        _args = args;
        _stack = args.Value("--stack") ?? throw new CliError("no stack selected; please use `pulumi stack select` to choose one");
        if (!args.Has("--non-interactive")) throw new CliError("this fake pulumi only runs with --non-interactive");
        _program = FakeProgram.Load(Environment.CurrentDirectory);
        _backend = FakeBackend.For(_program.Project, _stack);
        _config = StackConfig.Load(Environment.CurrentDirectory, _program.Project, _stack);
    }

    private static int StepDelay => int.TryParse(Environment.GetEnvironmentVariable("FAKE_PULUMI_STEP_DELAY_MS"), out var ms) ? ms : 0;

    public int Run()
    {
        if (_args.Command is "up" or "refresh" or "destroy" && !_args.Has("--yes") && !_args.Has("--skip-preview"))
            throw new CliError("--yes or --skip-preview must be passed in to proceed when running in non-interactive mode");
        switch (_args.Command)
        {
            case "stack select":
                _backend.Load();
                return 0;
            case "stack init":
                if (_backend.Exists) throw new CliError($"stack '{_stack}' already exists");
                _config.Initialise();
                _backend.Save(new StackState());
                Console.WriteLine($"Created stack '{_stack}'");
                return 0;
            case "config set":
                if (_args.Positionals.Count != 2) throw new CliError("config set takes a key and a value");
                _backend.Load();
                _config.Set(_args.Positionals[0], _args.Positionals[1], _args.Has("--secret"));
                return 0;
            case "stack output":
                return StackOutput();
            case "stack rm":
                if (_backend.Load().Resources.Count > 0 && !_args.Has("--force"))
                    throw new CliError($"'{_stack}' still has resources; removal rejected. Possible actions:\n- Run `pulumi destroy` to delete the resources, then run `pulumi stack rm`");
                _backend.Remove();
                File.Delete(Path.Combine(Environment.CurrentDirectory, $"Pulumi.{_stack}.yaml"));
                Console.WriteLine($"Stack '{_stack}' has been removed!");
                return 0;
            case "cancel":
                _backend.Load();
                Console.WriteLine(_backend.ClearLocks() > 0 ? $"The currently running update for '{_stack}' has been canceled!" : "error: no update is in progress");
                return 0;
            default:
                return Engine();
        }
    }

    private int StackOutput()
    {
        var state = _backend.Load();
        var resources = state.Resources.ToDictionary(r => r.Name, r => r.Outputs);
        var outputs = resources.Count == 0 ? new JsonObject() : (JsonObject)FakeProgram.Evaluate(_program.Outputs, resources, _config.Values())!;
        Console.WriteLine(outputs.ToJsonString(new() { WriteIndented = true }));
        return 0;
    }

    private int Engine()
    {
        var state = _backend.Load();
        var config = _config.Values();
        var preview = _args.Command == "preview";
        if (_args.Command is "up" or "destroy" && state.PendingCreates.Count > 0)
            throw new CliError($"the current deployment has {state.PendingCreates.Count} resource(s) with pending operations:\n" +
                string.Join("\n", state.PendingCreates.Select(p => $"  * {p}, interrupted while creating")) +
                "\n\nThese resources are in an unknown state because the Pulumi CLI was interrupted while waiting for changes to these resources to complete. " +
                "To clear these pending operations, run `pulumi refresh --clear-pending-creates`.");
        var lockFile = preview ? null : _backend.Lock();

        using var log = new EventLog(_args.Value("--event-log"), _program.Project, _stack);
        log.Write("preludeEvent", new JsonObject { ["config"] = new JsonObject(config.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)(kv.Value.Secret ? "[secret]" : kv.Value.Value)))) });
        var stackOp = state.Resources.Count == 0 && _args.Command == "up" ? "create" : "same";
        var stackBefore = stackOp == "create" ? null : new JsonObject();
        log.Step("resourcePreEvent", stackOp, "pulumi:pulumi:Stack", "", stackBefore, new JsonObject(), preview);

        var run = _args.Command switch
        {
            "up" => Up(state, config, log),
            "preview" => Preview(state, config, log),
            "refresh" => Refresh(state, log),
            _ => Destroy(state, log),
        };

        log.Step("resOutputsEvent", stackOp, "pulumi:pulumi:Stack", "", stackBefore, new JsonObject(), preview);
        var kind = preview ? "preview" : _args.Command == "up" ? "update" : _args.Command;
        var result = run.Failed ? "failed" : Interrupted ? "canceled" : "succeeded";
        if (run.Failed) log.Diagnostic("error", $"{kind} failed", log.StackUrn);
        if (Interrupted && !run.Failed) log.Diagnostic("error", $"{kind} canceled", log.StackUrn);
        var summary = new JsonObject
        {
            ["maybeCorrupt"] = false, ["durationSeconds"] = 1,
            ["resourceChanges"] = new JsonObject(run.Changes.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["PolicyPacks"] = new JsonObject(), ["result"] = result,
        };
        if (preview) summary["isPreview"] = true;
        log.Write("summaryEvent", summary);
        log.Write("cancelEvent", new JsonObject());
        if (lockFile is not null) File.Delete(lockFile);
        return result == "succeeded" ? 0 : 255;
    }

    private sealed record StepRun(bool Failed, Dictionary<string, int> Changes);

    private static void Count(Dictionary<string, int> changes, string op) => changes[op] = changes.GetValueOrDefault(op) + 1;

    private StepRun Up(StackState state, Dictionary<string, (string Value, bool Secret)> config, EventLog log)
    {
        var changes = new Dictionary<string, int>();
        var region = config.GetValueOrDefault("aws:region").Value ?? "us-east-1";
        var failResource = Environment.GetEnvironmentVariable("FAKE_PULUMI_FAIL_RESOURCE");
        int? crashAfter = int.TryParse(Environment.GetEnvironmentVariable("FAKE_PULUMI_CRASH_AFTER"), out var n) ? n : null;
        var created = 0;
        var providerOp = state.Resources.Count == 0 ? "create" : "same";
        log.Step("resourcePreEvent", providerOp, "pulumi:providers:aws", "default_7_0_0", null, new JsonObject { ["id"] = "04da6b54" });
        log.Step("resOutputsEvent", providerOp, "pulumi:providers:aws", "default_7_0_0", null, new JsonObject { ["id"] = "04da6b54" });

        foreach (var resource in _program.Resources)
        {
            if (Interrupted) break;
            var existing = state.Resources.FirstOrDefault(r => r.Name == resource.Name);
            if (existing is not null)
            {
                log.Step("resourcePreEvent", "same", resource.Type, resource.Name, existing.Outputs, existing.Outputs);
                log.Step("resOutputsEvent", "same", resource.Type, resource.Name, existing.Outputs, existing.Outputs);
                Count(changes, "same");
                continue;
            }
            var outputsSoFar = state.Resources.ToDictionary(r => r.Name, r => r.Outputs);
            var inputs = (JsonObject)FakeProgram.Evaluate(resource.Properties, outputsSoFar, config)!;
            log.Step("resourcePreEvent", "create", resource.Type, resource.Name, null, inputs);
            // Checkpointed before the provider is called: a kill from here on leaves a pending create.
            var urn = log.Urn(resource.Type, resource.Name);
            state.PendingCreates.Add(urn);
            _backend.Save(state);
            if (crashAfter == created) Environment.Exit(137); // a crash: no cleanup, the lock stays behind
            Thread.Sleep(StepDelay);
            state.PendingCreates.Remove(urn);
            if (resource.Name == failResource)
            {
                _backend.Save(state);
                log.Diagnostic("error", $"  error: creating {resource.Type} ({resource.Name}): operation error: https response error StatusCode: 400, RequestID: 3f1c0a52-8d4e-4b8e-9a51-6c1f3b1d2e7a, api error InvalidParameterValue: simulated failure of {resource.Name}", urn);
                log.Write("resOpFailedEvent", new JsonObject
                {
                    ["metadata"] = new JsonObject { ["op"] = "create", ["urn"] = urn, ["type"] = resource.Type, ["old"] = null, ["new"] = null, ["provider"] = log.ProviderUrn },
                    ["status"] = 0, ["steps"] = 1,
                });
                return new StepRun(true, changes);
            }
            var outputs = FakeProgram.SimulatedOutputs(resource, inputs, region);
            state.Resources.Add(new StateResource(resource.Name, resource.Type, inputs, outputs));
            _backend.Save(state);
            created++;
            log.Step("resOutputsEvent", "create", resource.Type, resource.Name, null, outputs);
            Count(changes, "create");
        }
        return new StepRun(false, changes);
    }

    /// <summary>
    /// Plans like the CLI: a resource not in the state is a create, one whose evaluated inputs differ from the state's an update
    /// (its <c>diffs</c> and <c>detailedDiff</c> name the properties), one the program no longer has a delete, the rest same.
    /// </summary>
    private StepRun Preview(StackState state, Dictionary<string, (string Value, bool Secret)> config, EventLog log)
    {
        var changes = new Dictionary<string, int>();
        var outputs = state.Resources.ToDictionary(r => r.Name, r => r.Outputs);
        foreach (var resource in _program.Resources)
        {
            var existing = state.Resources.FirstOrDefault(r => r.Name == resource.Name);
            var diffs = existing is null ? [] : Diffs(existing.Inputs, (JsonObject)FakeProgram.Evaluate(resource.Properties, outputs, config)!);
            var op = existing is null ? "create" : diffs.Count > 0 ? "update" : "same";
            log.Step("resourcePreEvent", op, resource.Type, resource.Name, existing?.Outputs, new JsonObject(), planning: true, diffs: diffs);
            log.Step("resOutputsEvent", op, resource.Type, resource.Name, existing?.Outputs, new JsonObject(), planning: true, diffs: diffs);
            Count(changes, op);
        }
        foreach (var gone in state.Resources.Where(r => _program.Resources.All(p => p.Name != r.Name)))
        {
            log.Step("resourcePreEvent", "delete", gone.Type, gone.Name, gone.Outputs, null, planning: true);
            log.Step("resOutputsEvent", "delete", gone.Type, gone.Name, gone.Outputs, null, planning: true);
            Count(changes, "delete");
        }
        return new StepRun(false, changes);
    }

    private static List<string> Diffs(JsonObject stored, JsonObject planned) =>
        stored.Select(p => p.Key).Union(planned.Select(p => p.Key))
            .Where(key => stored[key]?.ToJsonString() != planned[key]?.ToJsonString()).Order(StringComparer.Ordinal).ToList();

    private StepRun Refresh(StackState state, EventLog log)
    {
        var changes = new Dictionary<string, int>();
        if (state.PendingCreates.Count > 0)
        {
            if (_args.Has("--clear-pending-creates"))
            {
                log.Diagnostic("info", $"cleared {state.PendingCreates.Count} pending create operation(s)");
                state.PendingCreates.Clear();
                _backend.Save(state);
            }
            else log.Diagnostic("warning", $"{state.PendingCreates.Count} resource(s) have pending create operations; run `pulumi refresh --clear-pending-creates`");
        }
        foreach (var resource in state.Resources)
        {
            if (Interrupted) break;
            log.Step("resourcePreEvent", "refresh", resource.Type, resource.Name, resource.Outputs, resource.Outputs);
            Thread.Sleep(StepDelay);
            log.Step("resOutputsEvent", "refresh", resource.Type, resource.Name, resource.Outputs, resource.Outputs);
            Count(changes, "same");
        }
        return new StepRun(false, changes);
    }

    private StepRun Destroy(StackState state, EventLog log)
    {
        var changes = new Dictionary<string, int>();
        // Dependents go first: the reverse of the program's order, then anything the program no longer names.
        var order = _program.Resources.Select(r => r.Name).Reverse().ToList();
        foreach (var resource in state.Resources.OrderBy(r => order.IndexOf(r.Name) is var i && i < 0 ? int.MaxValue : i).ToList())
        {
            if (Interrupted) break;
            log.Step("resourcePreEvent", "delete", resource.Type, resource.Name, resource.Outputs, null);
            Thread.Sleep(StepDelay);
            state.Resources.Remove(resource);
            _backend.Save(state);
            log.Step("resOutputsEvent", "delete", resource.Type, resource.Name, resource.Outputs, null);
            Count(changes, "delete");
        }
        return new StepRun(false, changes);
    }
}
