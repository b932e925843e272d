using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using TestSupport;
using TestSupport.Portal;

namespace Portal.Tests.Api;

/// <summary>The README's "Automate it" script, run as a user would: bash and curl against the portal on a real port.</summary>
public sealed class AutomateItScriptTests : IAsyncDisposable
{
    private readonly PortalAppFactory _app = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Fact]
    public async Task AutomateItScript_AgainstRunningPortal_CreatesFollowsAndDestroysACluster()
    {
        var url = _app.StartOnKestrel();

        var (exitCode, output) = await RunScriptAsync(url, "scripted");

        Assert.True(exitCode == 0, $"the script exited {exitCode}:\n{output}");
        Assert.Contains("event: summary", output);
        Assert.Contains("succeeded", output);
        await using var db = _app.CreateDbContext();
        Assert.Equal(ClusterStatus.Destroyed, (await db.Clusters.SingleAsync(Ct)).Status);
        Assert.Equal(0, await db.SimulatedResources.CountAsync(Ct));
    }

    [Fact]
    public async Task AutomateItScript_RequestRefused_ExitsNonZeroWithTheProblem()
    {
        var url = _app.StartOnKestrel();

        var (exitCode, output) = await RunScriptAsync(url, "Not-A-Valid-Name");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("https://portal.example/problems/validation", output); // curl prints the problem it was refused with
    }

    private async Task<(int ExitCode, string Output)> RunScriptAsync(string url, string clusterName)
    {
        using var _ = _app.CreateApiClient(); // the default team the script names exists
        var start = new ProcessStartInfo("bash", [Path.Combine(SharedData.RepositoryRoot, "scripts", "automate-it.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["PORTAL_URL"] = url, ["PORTAL_TOKEN"] = PortalAppFactory.ApiToken, ["CLUSTER_NAME"] = clusterName, ["PORTAL_TEAM"] = PortalAppFactory.DefaultTeam },
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw; }
        return (process.ExitCode, await stdout + await stderr);
    }
}
