using CliWrap;
using CliWrap.Buffered;
using Provisioning.Tests.Support;

namespace Provisioning.Tests.Pulumi;

/// <summary>The fake is as strict as the real CLI, so an engine test that passes proves the engine's arguments.</summary>
public sealed class FakePulumiTests : IDisposable
{
    private readonly FakePulumiSandbox _sandbox = new();

    private async Task<BufferedCommandResult> RunAsync(string[] args, Dictionary<string, string?>? environment = null)
    {
        var work = Path.Combine(_sandbox.Root, "work");
        Directory.CreateDirectory(work);
        await File.WriteAllTextAsync(Path.Combine(work, "Pulumi.yaml"), "name: demo\nruntime: yaml\nresources: {}\n", TestContext.Current.CancellationToken);
        var env = new Dictionary<string, string?>
        {
            ["PULUMI_BACKEND_URL"] = new Uri(_sandbox.Backend + "/").AbsoluteUri,
            ["PULUMI_CONFIG_PASSPHRASE"] = FakePulumiSandbox.Passphrase,
            ["PULUMI_DEBUG_COMMANDS"] = "true",
        };
        foreach (var (key, value) in environment ?? []) env[key] = value;
        return await Cli.Wrap(FakePulumiSandbox.CliPath).WithArguments(args).WithWorkingDirectory(work).WithEnvironmentVariables(env)
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Up_UnknownFlag_IsRejectedLikeTheRealCli()
    {
        var result = await RunAsync(["up", "--yes", "--wait-for-lock", "--stack", "dev", "--non-interactive"]);

        Assert.Equal(255, result.ExitCode);
        Assert.Equal("error: unknown flag: --wait-for-lock", result.StandardError.Trim());
    }

    [Fact]
    public async Task Up_EventLogWithoutDebugCommands_IsAnUnknownFlag()
    {
        var result = await RunAsync(["up", "--yes", "--event-log", "x.json", "--stack", "dev", "--non-interactive"], new() { ["PULUMI_DEBUG_COMMANDS"] = null });

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("unknown flag: --event-log", result.StandardError);
    }

    [Fact]
    public async Task StackInit_NoPassphrase_FailsWithThePassphraseMessage()
    {
        var result = await RunAsync(["stack", "init", "--stack", "dev", "--non-interactive"], new() { ["PULUMI_CONFIG_PASSPHRASE"] = null });

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("passphrase must be set with PULUMI_CONFIG_PASSPHRASE", result.StandardError);
    }

    [Fact]
    public async Task StackSelect_MissingStack_SaysNoStackNamedFound()
    {
        var result = await RunAsync(["stack", "select", "--stack", "dev", "--non-interactive"]);

        Assert.Equal(255, result.ExitCode);
        Assert.Equal("error: no stack named 'dev' found", result.StandardError.Trim());
    }

    public void Dispose() => _sandbox.Dispose();
}
