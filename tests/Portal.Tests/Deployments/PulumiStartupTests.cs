using TestSupport;
using TestSupport.Portal;

namespace Portal.Tests.Deployments;

/// <summary>
/// An operator who sets Provisioning__Engine=Pulumi learns at startup, in one message, what is
/// missing and how to fix it: the portal does not start and fail every deployment later.
/// </summary>
public sealed class PulumiStartupTests
{
    [Fact]
    public async Task Startup_PulumiCliMissing_FailsSayingWhereItLookedAndHowToFix()
    {
        await using var app = PulumiPortal(cliPath: "/nonexistent/pulumi", passphrase: "a passphrase of some length");

        var message = StartupFailure(app);

        Assert.Contains("Provisioning:Engine is Pulumi", message);
        Assert.Contains("not found at '/nonexistent/pulumi'", message);
        Assert.Contains("Install the pulumi CLI", message);
        Assert.Contains("Provisioning:Pulumi:CliPath", message);
        Assert.Contains("Provisioning__Pulumi__CliPath", message);
    }

    [Fact]
    public async Task Startup_PulumiWithoutPassphrase_FailsNamingThePassphraseVariable()
    {
        await using var app = PulumiPortal(cliPath: FakePulumiCli.Path, passphrase: "");

        var message = StartupFailure(app);

        Assert.Contains("Provisioning:Engine is Pulumi", message);
        Assert.Contains("Provisioning__Pulumi__Passphrase", message);
        Assert.DoesNotContain("CliPath", message); // only what is actually wrong
    }

    [Fact]
    public async Task Startup_PulumiCliTooOld_FailsNamingTheMinimumVersion()
    {
        await using var app = PulumiPortal(cliPath: FakePulumiCli.Path, passphrase: "a passphrase of some length");
        app.Settings[$"Provisioning:Pulumi:Environment:{FakePulumiCli.VersionVariable}"] = "v3.0.5";

        var message = StartupFailure(app);

        Assert.Contains("version 3.0.5, below the minimum 3.1.0", message);
        Assert.Contains("Provisioning:Pulumi:CliPath", message);
    }

    /// <summary>The Consul health check's Systems Manager settings are checked with the rest, each named by its key.</summary>
    [Theory]
    [InlineData("CommandTimeout", "00:00:10", "Provisioning:Pulumi:Ssm:CommandTimeout must be whole seconds between 00:00:30 and 2.00:00:00")]
    [InlineData("PollInterval", "00:00:00", "Provisioning:Pulumi:Ssm:PollInterval must be positive")]
    [InlineData("ServiceUrl", "ssm.local", "Provisioning:Pulumi:Ssm:ServiceUrl 'ssm.local' is not an http(s) URL")]
    public async Task Startup_SsmSettingInvalid_FailsNamingTheKey(string key, string value, string expected)
    {
        await using var app = PulumiPortal(cliPath: FakePulumiCli.Path, passphrase: "a passphrase of some length");
        app.Settings[$"Provisioning:Pulumi:Ssm:{key}"] = value;

        var message = StartupFailure(app);

        Assert.Contains(expected, message);
    }

    private static PortalAppFactory PulumiPortal(string cliPath, string passphrase)
    {
        var app = new PortalAppFactory();
        app.Settings["Provisioning:Engine"] = "Pulumi";
        app.Settings["Provisioning:Pulumi:CliPath"] = cliPath;
        app.Settings["Provisioning:Pulumi:Passphrase"] = passphrase;
        return app;
    }

    /// <summary>Starts the host, expecting it to refuse; the message is what the operator reads.</summary>
    private static string StartupFailure(PortalAppFactory app)
    {
        var error = Assert.ThrowsAny<Exception>(() => app.Services);
        TestContext.Current.TestOutputHelper?.WriteLine($"{error.GetType().Name}: {error.Message}");
        return error.Message;
    }
}
