using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Deployments;
using TestSupport.Portal;

namespace Portal.Tests.Deployments;

/// <summary>
/// Two portals on one PostgreSQL database, as two replicas are: each has its own worker, audit log and broadcaster,
/// and only the database (row locks, the advisory lock, LISTEN/NOTIFY) ties them together. Skipped without a server.
/// </summary>
public sealed class ReplicaTests : IAsyncDisposable
{
    private readonly PortalAppFactory _a, _b;

    public ReplicaTests()
    {
        _a = new PortalAppFactory(provider: DatabaseProvider.PostgreSQL);
        _b = new PortalAppFactory(_a.DataDirectory, DatabaseProvider.PostgreSQL);
        foreach (var (replica, name) in new[] { (_a, "replica-a"), (_b, "replica-b") })
        {
            replica.Settings["Deployments:WorkerId"] = name;
            replica.Settings["Deployments:MaxConcurrency"] = "3";
        }
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
    }

    [Fact]
    public async Task Claims_TwoReplicasEnqueueAndWork_EachOperationRunsOnceAndTheAuditChainStaysOne()
    {
        var a = _a.CreateApiClient();
        var b = _b.CreateApiClient();

        // Both replicas take requests at once, and both workers claim from the one queue.
        var created = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            (i % 2 == 0 ? a : b).CreateClusterAsync(new { name = $"fleet-{i:00}" })));
        var operations = created.Select(c => (string)c["operation"]!["id"]!).ToList();
        foreach (var id in operations)
            Assert.Equal("succeeded", (string)(await a.WaitForOperationAsync(id))["state"]!);

        await using var db = _a.CreateDbContext();
        var attempts = await db.Operations.Select(o => o.Attempt).ToListAsync(Ct);
        Assert.Equal(16, attempts.Count);
        Assert.All(attempts, attempt => Assert.Equal(1, attempt));
        // Each run logs once, on the replica that claimed it; together they ran every operation exactly once.
        var runs = _a.Logs.Lines.Concat(_b.Logs.Lines).Where(l => l.Contains("Running Create of fleet-")).ToList();
        Assert.Equal(16, runs.Count);
        Assert.Equal(16, runs.Select(l => l[l.IndexOf("fleet-", StringComparison.Ordinal)..][..8]).Distinct().Count());
        Assert.Contains(_a.Logs.Lines, l => l.Contains("Running Create of fleet-"));
        Assert.Contains(_b.Logs.Lines, l => l.Contains("Running Create of fleet-"));
        // Every resource once: a second create of any of them would have failed the unique key or shown as a second event.
        foreach (var id in operations)
        {
            var creates = (await a.AllEventsAsync(id)).Where(e => (string)e["type"]! == "resource-succeeded" && (string)e["resource"]!["op"]! == "create");
            Assert.All(creates.GroupBy(e => (string)e["resource"]!["name"]!), g => Assert.Single(g));
        }
        var verified = await a.GetJsonAsync("/api/v1/audit/verify");
        Assert.True((bool)verified["verified"]!, verified.ToJsonString());
    }

    [Fact]
    public async Task LiveUpdates_OperationRunOnOneReplica_TheOtherIsWokenAndItsFollowerSeesEveryEventOnce()
    {
        foreach (var replica in new[] { _a, _b }) replica.Settings["Provisioning:Simulated:TimeScale"] = "0.02";
        var a = _a.CreateApiClient();
        var b = _b.CreateApiClient();
        using var wokenOnA = _a.Services.GetRequiredService<OperationBroadcaster>().Subscribe();
        using var wokenOnB = _b.Services.GetRequiredService<OperationBroadcaster>().Subscribe();

        var operationId = (string)(await a.CreateClusterAsync(new { name = "followed" }))["operation"]!["id"]!;
        var url = $"/api/v1/operations/{operationId}/events";
        var onA = ReadAllAsync(a, url);
        var onB = ReadAllAsync(b, url);
        var streams = await Task.WhenAll(onA, onB);

        var stored = (await a.AllEventsAsync(operationId)).Select(e => (int)e["sequence"]!).ToList();
        Assert.Equal(Enumerable.Range(1, stored.Count), stored);
        Assert.All(streams, received => Assert.Equal(stored, received));
        // The replica that did not run it heard of it from the other one: woken, not left to its quiet poll.
        var ranOnA = _a.Logs.Lines.Any(l => l.Contains("Running Create of followed"));
        var follower = ranOnA ? wokenOnB : wokenOnA;
        var relayed = new List<OperationUpdate>();
        while (follower.Reader.TryRead(out var update)) relayed.Add(update);
        Assert.Contains(relayed, u => u.FromAnotherReplica && u.OperationId == Guid.Parse(operationId) && u.Stored is null);
        Assert.DoesNotContain(relayed, u => u.Stored is not null);
    }

    [Fact]
    public async Task Keys_SignedInOnA_IsSignedInOnBAndSecretsProtectedOnADecryptOnB()
    {
        var admin = _a.CreateApiClient();
        await admin.CreateMemberAsync("dana@portal.test", "Dana-password-2026", PortalAppFactory.DefaultTeam);
        var cluster = await admin.CreateClusterAsync(new { name = "keys" });
        await admin.WaitForOperationAsync((string)cluster["operation"]!["id"]!);
        // One browser, two replicas behind a load balancer: the same cookies go to both.
        var cookies = new System.Net.CookieContainer();
        using var onA = _a.CreateDefaultClient(new Microsoft.AspNetCore.Mvc.Testing.Handlers.CookieContainerHandler(cookies));
        using var onB = _b.CreateDefaultClient(new Microsoft.AspNetCore.Mvc.Testing.Handlers.CookieContainerHandler(cookies));

        var signIn = await onA.PostSignInAsync("dana@portal.test", "Dana-password-2026");
        Assert.Equal(System.Net.HttpStatusCode.Redirect, signIn.StatusCode);
        var antiforgery = JsonNode.Parse(await onA.GetStringAsync("/api/v1/antiforgery", Ct))!;
        onB.DefaultRequestHeaders.Add((string)antiforgery["headerName"]!, (string)antiforgery["token"]!);

        // A's cookie and A's antiforgery token, checked by B; then a secret A's key protected, decrypted by B.
        var (token, _) = await onB.CreateTokenAsync("made-on-b", "clusters:read");
        Assert.StartsWith("pat_", token);
        var ca = await onB.GetAsync("/api/v1/clusters/keys/ca.pem", Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, ca.StatusCode);
        Assert.Contains("BEGIN CERTIFICATE", await ca.Content.ReadAsStringAsync(Ct));

        await using var db = _a.CreateDbContext();
        var keys = await db.DataProtectionKeys.Select(k => k.Xml!).ToListAsync(Ct);
        var key = Assert.Single(keys); // one ring: B used the key A made
        Assert.Contains("encryptedSecret", key);
        Assert.DoesNotContain("<masterKey", key);
    }

    private static async Task<List<int>> ReadAllAsync(HttpClient http, string url)
    {
        using var response = await http.OpenEventStreamAsync(url);
        var sequences = new List<int>();
        await foreach (var e in response.ReadEventsAsync(Ct)) // ends when the operation has ended and everything was sent
            if (e.Comment is null) sequences.Add(int.Parse(e.Id!));
        return sequences;
    }
}
