using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using TestSupport.Portal;

namespace Portal.Tests.Deployments;

/// <summary>An operation interrupted mid-way resumes and completes: no gap in its events, no resource created twice.</summary>
public sealed class DeploymentWorkerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Worker_HostStoppedMidOperation_NextStartResumesAndCompletes()
    {
        string operationId;
        string dataDirectory;
        await using (var first = new PortalAppFactory { KeepData = true })
        {
            first.Settings["Provisioning:Simulated:TimeScale"] = "0.05";
            dataDirectory = first.DataDirectory;
            var http = first.CreateApiClient();
            operationId = (string)(await http.CreateClusterAsync(new { name = "interrupted" }))["operation"]!["id"]!;
            await WaitForProgressAsync(first, Guid.Parse(operationId), done => done >= 5);
        } // disposing stops the host: the worker stops at a safe point and hands the lease back

        await using (var db = new PortalDbContext(PortalAppFactory.ContextOptionsFor(dataDirectory, TestDatabases.DefaultProvider).Options))
        {
            var stopped = await db.Operations.SingleAsync(Ct);
            Assert.Equal(OperationState.Running, stopped.State);
            Assert.True(stopped.ProgressDone < stopped.ProgressTotal, "the operation finished before the host stopped; the test proves nothing");
        }

        await using var second = new PortalAppFactory(dataDirectory);
        var client = second.CreateApiClient();
        var operation = await client.WaitForOperationAsync(operationId);

        Assert.Equal("succeeded", (string)operation["state"]!);
        Assert.Equal(2, (int)operation["attempt"]!);
        await AssertResumedCleanlyAsync(client, second, operationId, "interrupted");
        Assert.Contains(await client.AllEventsAsync(operationId), e => ((string)e["message"]!).Contains("portal is restarting"));
    }

    [Fact]
    public async Task Worker_LeaseExpiredUnderIt_RequeuesWithRecoveredEventAndCompletes()
    {
        await using var app = new PortalAppFactory();
        app.Settings["Provisioning:Simulated:TimeScale"] = "0.05";
        var http = app.CreateApiClient();
        var operationId = Guid.Parse((string)(await http.CreateClusterAsync(new { name = "crashed" }))["operation"]!["id"]!);
        await WaitForProgressAsync(app, operationId, done => done >= 5);

        // What a crash looks like from the database: the lease belongs to a worker that stopped renewing it.
        await using (var db = app.CreateDbContext())
            await db.Operations.Where(o => o.Id == operationId).ExecuteUpdateAsync(s => s
                .SetProperty(o => o.LeaseOwner, "crashed-host:4242")
                .SetProperty(o => o.LeaseExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)), Ct);

        var operation = await http.WaitForOperationAsync(operationId.ToString());

        Assert.Equal("succeeded", (string)operation["state"]!);
        Assert.True((int)operation["attempt"]! >= 2);
        await AssertResumedCleanlyAsync(http, app, operationId.ToString(), "crashed");
    }

    private static async Task AssertResumedCleanlyAsync(HttpClient http, PortalAppFactory app, string operationId, string cluster)
    {
        var events = await http.AllEventsAsync(operationId);
        Assert.Equal(Enumerable.Range(1, events.Count), events.Select(e => (int)e["sequence"]!));
        Assert.Contains(events, e => (string)e["type"]! == "recovered");

        // Every resource was created exactly once, across both attempts.
        var creates = events
            .Where(e => (string)e["type"]! == "resource-succeeded" && (string)e["resource"]!["op"]! == "create")
            .GroupBy(e => (string)e["resource"]!["name"]!)
            .ToList();
        Assert.All(creates, g => Assert.Single(g));
        await using var db = app.CreateDbContext();
        var stored = await db.SimulatedResources.Where(r => r.Stack == cluster).CountAsync(Ct);
        var total = (int)(await http.GetJsonAsync($"/api/v1/operations/{operationId}"))["progress"]!["total"]!;
        // The progress counts every resource of the plan and, last, the verification of Consul.
        Assert.Equal(total, stored + 1);
        // Each resource is shown as done: created by one attempt, or found existing ("same") by the next.
        Assert.Equal(total, events.Where(e => (string)e["type"]! == "resource-succeeded").Select(e => (string)e["resource"]!["name"]!).Distinct().Count());
        Assert.Equal("ready", (string)(await http.GetJsonAsync($"/api/v1/clusters/{cluster}"))["status"]!);
    }

    private static async Task WaitForProgressAsync(PortalAppFactory app, Guid operationId, Func<int, bool> reached)
    {
        for (var i = 0; i < 400; i++)
        {
            await using var db = app.CreateDbContext();
            if (reached(await db.Operations.Where(o => o.Id == operationId).Select(o => o.ProgressDone).SingleAsync(Ct))) return;
            await Task.Delay(25, Ct);
        }
        Assert.Fail("The operation made no progress in time.");
    }
}
