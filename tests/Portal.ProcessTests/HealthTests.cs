using System.Net;
using System.Text.Json.Nodes;
using TestSupport.Portal;

namespace Portal.ProcessTests;

/// <summary><c>/health/live</c> says the process answers; <c>/health/ready</c> says why it cannot work when it cannot.</summary>
public sealed class HealthTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ready_DatabaseFileGone_TurnsUnhealthyWithReason_LiveStaysUp()
    {
        await using var portal = new PortalProcess();
        await portal.StartAsync();

        var ready = await WaitUntilReadyAsync(portal);
        Assert.Equal("Healthy", (string)ready["status"]!);
        foreach (var check in new[] { "database", "engine", "worker" })
            Assert.Equal("Healthy", (string)ready["checks"]![check]!["status"]!);

        // Replace the file by a directory: no connection can read it any more, nor create a blank one in its place.
        foreach (var file in new[] { portal.DatabasePath, portal.DatabasePath + "-wal", portal.DatabasePath + "-shm" }) File.Delete(file);
        Directory.CreateDirectory(portal.DatabasePath);

        var (status, broken) = await GetAsync(portal, "/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        ready = broken;
        Assert.Equal("Unhealthy", (string)ready["status"]!);
        var database = ready["checks"]!["database"]!;
        Assert.Equal("Unhealthy", (string)database["status"]!);
        Assert.Contains("cannot be read", (string)database["description"]!);
        Assert.Equal("Healthy", (string)ready["checks"]!["engine"]!["status"]!);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(portal, "/health/live")).Status);
    }

    [Fact]
    public async Task Ready_ConfiguredEngineUnusable_TurnsUnhealthyNamingTheEngine()
    {
        await using var portal = new PortalProcess();
        portal.Settings["Provisioning:Engine"] = "Pulumi";
        // A Pulumi engine, where one is registered, finds no CLI here.
        portal.Settings["Provisioning:Pulumi:CliPath"] = "/nonexistent/pulumi";
        portal.Settings["Provisioning:Pulumi:Passphrase"] = "test-only-passphrase";
        try
        {
            await portal.StartAsync();
        }
        catch (InvalidOperationException refused) when (refused.Message.Contains("exited during start"))
        {
            // A portal that checks its engine at startup refuses to start instead, naming what is missing: as good for the operator.
            Assert.Contains("Pulumi", refused.Message);
            return;
        }

        var (status, ready) = await GetAsync(portal, "/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        var engine = ready["checks"]!["engine"]!;
        Assert.Equal("Unhealthy", (string)engine["status"]!);
        Assert.Contains("pulumi", (string)engine["description"]!, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("Healthy", (string)ready["checks"]!["database"]!["status"]!);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(portal, "/health/live")).Status);
    }

    /// <summary>The worker's first pass completes just after start; until then the portal is rightly not ready.</summary>
    private static async Task<JsonObject> WaitUntilReadyAsync(PortalProcess portal)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var (status, body) = await GetAsync(portal, "/health/ready");
            if (status == HttpStatusCode.OK) return body;
            if (DateTime.UtcNow > deadline) Assert.Fail($"Never ready: {body}");
            await Task.Delay(100, Ct);
        }
    }

    private static async Task<(HttpStatusCode Status, JsonObject Body)> GetAsync(PortalProcess portal, string path)
    {
        // As a load balancer or an orchestrator probes: without credentials. With a token, its lookup needs the very
        // database whose loss the probe is to report, and the answer would depend on what the connection pool still holds.
        using var probe = new HttpClient { BaseAddress = portal.Http.BaseAddress };
        using var response = await probe.GetAsync(path, Ct);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsObject());
    }
}
