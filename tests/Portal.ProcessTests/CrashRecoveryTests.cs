using Portal.ProcessTests.Support;
using TestSupport.Portal;

namespace Portal.ProcessTests;

/// <summary>
/// A deployment survives its portal: killed outright (SIGKILL) or stopped (SIGTERM) mid-way, the
/// next start on the same database finishes every cluster without losing or repeating anything.
/// </summary>
public sealed class CrashRecoveryTests
{
    private const int Clusters = 20;

    private static PortalProcess SlowPortal()
    {
        var portal = new PortalProcess();
        // About three seconds per cluster, five at a time: every kill finds deployments half done.
        portal.Settings["Provisioning:Simulated:TimeScale"] = "0.03";
        portal.Settings["Deployments:MaxConcurrency"] = "5";
        return portal;
    }

    [Fact]
    public async Task KilledThreeTimes_EveryClusterBecomesReady_HistoriesIntact_NothingCreatedTwice()
    {
        await using var portal = SlowPortal();
        await portal.StartAsync();
        var operations = await Fleet.CreateAsync(portal.Http, "crash", Clusters);

        var hit = new HashSet<string>();
        foreach (var readyAtLeast in new[] { 0, 6, 12 })
        {
            await Fleet.WaitUntilMidwayAsync(portal, readyAtLeast);
            await portal.KillAsync();
            var running = Fleet.RunningOperations(portal);
            Assert.NotEmpty(running); // the kill interrupted deployments, or this proves nothing
            hit.UnionWith(running);
            await portal.StartAsync();
        }

        await Fleet.WaitUntilSettledAsync(portal.Http, TimeSpan.FromMinutes(3));
        Assert.Equal(Clusters, await Fleet.CountAsync(portal.Http, "Ready"));
        foreach (var operationId in operations.Values)
        {
            var events = await Fleet.AssertIntactAsync(portal.Http, operationId);
            if (hit.Contains(operationId))
                Assert.Contains(events, e => (string)e["type"]! == "recovered" && ((string)e["message"]!).Contains("Recovered after restart"));
        }
        await Fleet.AssertSimulatedCloudMatchesAsync(portal, operations);
        Assert.Equal(3, portal.OutputLines.Count(l => l.StartsWith("=== portal killed")));
        Fleet.AssertCleanLogs(portal);
    }

    [Fact]
    public async Task Sigterm_RunningOperationsStopAtSafePointAndHandBackLease_NextStartFinishesThem()
    {
        await using var portal = SlowPortal();
        await portal.StartAsync();
        var operations = await Fleet.CreateAsync(portal.Http, "term", Clusters);
        await Fleet.WaitUntilMidwayAsync(portal, 5);

        // A live viewer of a deployment that is still queued: its stream spans the restart.
        var queued = Fleet.Query(portal, "SELECT lower(Id) FROM Operations WHERE State = 'Queued' ORDER BY CreatedAt DESC LIMIT 1", r => r.GetString(0)).Single();
        using var viewer = await EventStream.OpenAsync(portal.Http, queued);
        var viewed = viewer.ReadToEndAsync(TimeSpan.FromMinutes(2));

        var stoppedWorker = $":{portal.ProcessId}/";
        Assert.Equal(0, await portal.StopAsync());
        // The stopping portal ended the stream cleanly (rather than holding shutdown until it aborts connections).
        var beforeStop = await viewed;
        // It ended because the portal stopped, not because the deployment did; and the stopping worker claimed nothing more.
        Assert.Equal("Queued", Fleet.Query(portal, $"SELECT State FROM Operations WHERE lower(Id) = '{queued}'", r => r.GetString(0)).Single());

        // Every run the shutdown interrupted wrote why as its last event and is still Running, lease handed back.
        var interrupted = Fleet.RunningOperations(portal);
        Assert.NotEmpty(interrupted);
        var lastMessages = Fleet.Query(portal, """
            SELECT lower(o.Id), e.Message FROM Operations o
            JOIN DeploymentEvents e ON e.OperationId = o.Id AND e.Sequence = o.LastSequence
            WHERE o.State = 'Running'
            """, r => (Id: r.GetString(0), Message: r.GetString(1)));
        Assert.All(lastMessages, m => Assert.Contains("portal is restarting", m.Message));
        Assert.Equal(interrupted.Count, lastMessages.Count);

        await portal.StartAsync();
        // Within a lease period of the restart nothing is left Running under the stopped process.
        await Fleet.WaitUntilAsync(() => Task.FromResult(Fleet.Query(portal,
                $"SELECT COUNT(*) FROM Operations WHERE State = 'Running' AND instr(LeaseOwner, '{stoppedWorker}') > 0",
                r => r.GetInt32(0)).Single() == 0),
            TimeSpan.FromSeconds(3 + 30), "the stopped process's operations to be taken over");

        // The viewer reconnects with Last-Event-ID and, across both streams, sees every event once.
        using var reconnected = await EventStream.OpenAsync(portal.Http, queued,
            lastEventId: beforeStop.Count == 0 ? 0 : (int)beforeStop[^1]["sequence"]!);
        var afterRestart = reconnected.ReadToEndAsync(TimeSpan.FromMinutes(3));

        await Fleet.WaitUntilSettledAsync(portal.Http, TimeSpan.FromMinutes(3));
        Assert.Equal(Clusters, await Fleet.CountAsync(portal.Http, "Ready"));
        var watched = beforeStop.Concat(await afterRestart).Select(e => (int)e["sequence"]!).ToList();
        Assert.Equal((await portal.Http.AllEventsAsync(queued)).Select(e => (int)e["sequence"]!), watched);
        foreach (var operationId in operations.Values)
        {
            var events = await Fleet.AssertIntactAsync(portal.Http, operationId);
            if (interrupted.Contains(operationId))
            {
                Assert.Contains(events, e => ((string)e["message"]!).Contains("portal is restarting"));
                Assert.Contains(events, e => (string)e["type"]! == "recovered");
            }
        }
        await Fleet.AssertSimulatedCloudMatchesAsync(portal, operations);
        Fleet.AssertCleanLogs(portal);
    }
}
