using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TestSupport.Portal;

namespace Portal.Tests.Monitoring;

/// <summary>Ready means Consul says so: verification after deployment, degraded naming the failing check, checks on demand, history.</summary>
public sealed class ClusterHealthApiTests : Api.PortalApiTest
{
    private const string ZoneA = "eu-west-1a", ZoneB = "eu-west-1b";

    [Fact]
    public async Task Create_HealthyConsul_IsReadyWithEveryCheckPassed()
    {
        var operation = await CreateAndWaitAsync("healthy");

        Assert.Equal("succeeded", (string)operation["state"]!);
        Assert.Equal((int)operation["progress"]!["total"]!, (int)operation["progress"]!["done"]!);
        var cluster = await Http.GetJsonAsync("/api/v1/clusters/healthy");
        Assert.Equal("ready", (string)cluster["status"]!);
        Assert.Equal("healthy", (string)cluster["health"]!["status"]!);
        Assert.Empty(cluster["health"]!["failingChecks"]!.AsArray());

        var health = await Http.GetJsonAsync("/api/v1/clusters/healthy/health");
        Assert.Equal("healthy", (string)health["status"]!);
        Assert.Equal("verification", (string)health["trigger"]!);
        Assert.NotNull(health["checkedAt"]);
        Assert.Equal([ZoneA, ZoneB], health["datacenters"]!.AsArray().Select(dc => (string)dc!["name"]!));
        foreach (var dc in health["datacenters"]!.AsArray())
        {
            Assert.True((bool)dc!["reachable"]!);
            Assert.EndsWith(":8300", (string)dc["leader"]!);
            Assert.Equal(1, (int)dc["failureTolerance"]!);
            Assert.Equal(3, dc["servers"]!.AsArray().Count(s => (bool)s!["voter"]! && (bool)s["healthy"]!));
            Assert.Single(dc["servers"]!.AsArray(), s => (bool)s!["leader"]!);
        }
        Assert.Equal(6, (int)health["wanMembers"]!["alive"]!);
        Assert.Equal(6, (int)health["wanMembers"]!["expected"]!);
        var checks = health["checks"]!.AsArray().Select(c => (string)c!["name"]!).ToList();
        Assert.Equal(
            [$"leader/{ZoneA}", $"voters/{ZoneA}", $"failure-tolerance/{ZoneA}", $"dns/{ZoneA}",
             $"leader/{ZoneB}", $"voters/{ZoneB}", $"failure-tolerance/{ZoneB}", $"dns/{ZoneB}", "wan-members", "acl-replication"], checks);
        Assert.All(health["checks"]!.AsArray(), c => Assert.True((bool)c!["passed"]!, c.ToJsonString()));
    }

    [Theory]
    [InlineData("no-leader", "leader/" + ZoneA, "has no leader")]
    [InlineData("missing-voter", "voters/" + ZoneA, "2 of 3 servers are healthy voters")]
    [InlineData("no-failure-tolerance", "failure-tolerance/" + ZoneA, "can lose 0 server(s)")]
    [InlineData("wan-member-down", "wan-members", "5 of 6 servers are alive")]
    [InlineData("dns-fails", "dns/" + ZoneA, "does not resolve")]
    [InlineData("replication-stopped", "acl-replication", "not running in " + ZoneB)]
    public async Task Create_FailingConsulCheck_EndsDegradedNamingThatCheck(string fault, string check, string detail)
    {
        var operation = await CreateAndWaitAsync("sick", new { failCheck = fault });

        Assert.Equal("failed", (string)operation["state"]!);
        Assert.Equal(["consulHealth"], operation["failedResources"]!.AsArray().Select(n => (string)n!));
        Assert.Contains(check, (string)operation["error"]!);
        var cluster = await Http.GetJsonAsync("/api/v1/clusters/sick");
        Assert.Equal("degraded", (string)cluster["status"]!);
        Assert.Contains(check, cluster["health"]!["failingChecks"]!.AsArray().Select(n => (string)n!));

        var health = await Http.GetJsonAsync("/api/v1/clusters/sick/health");
        Assert.Equal("degraded", (string)health["status"]!);
        var failing = health["checks"]!.AsArray().Single(c => (string)c!["name"]! == check)!;
        Assert.False((bool)failing["passed"]!);
        Assert.Contains(detail, (string)failing["detail"]!);
        // Verification kept trying before it gave up.
        var events = await Http.AllEventsAsync((string)operation["id"]!);
        Assert.Contains(events, e => ((string)e["message"]!).StartsWith("Consul is not healthy yet (attempt 1)", StringComparison.Ordinal));
        var audited = (await Http.GetJsonAsync("/api/v1/audit?action=cluster.health.changed&target=sick"))["items"]!.AsArray();
        // The audit API carries details as the JSON text that was stored.
        Assert.Equal("degraded", (string)JsonNode.Parse((string)Assert.Single(audited)!["details"]!)!["to"]!);
    }

    [Fact]
    public async Task HealthCheck_OnDemand_StoresANewCheckInTheHistoryAndAuditsIt()
    {
        await CreateAndWaitAsync("checked");

        var response = await Http.PostAsync("/api/v1/clusters/checked/health/check", null, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var health = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("manual", (string)health["trigger"]!);
        Assert.Equal("healthy", (string)health["status"]!);
        var history = (await Http.GetJsonAsync("/api/v1/clusters/checked/health/history"))["items"]!.AsArray();
        Assert.Equal(["manual", "verification"], history.Select(h => (string)h!["trigger"]!));
        Assert.True((bool)history[1]!["statusChanged"]!); // unknown → healthy
        Assert.False((bool)history[0]!["statusChanged"]!);
        Assert.Single((await Http.GetJsonAsync("/api/v1/audit?action=cluster.health.check&target=checked"))["items"]!.AsArray());
    }

    [Fact]
    public async Task HealthHistory_Paged_FollowsNextLinksWithoutRepeats()
    {
        await CreateAndWaitAsync("paged");
        for (var i = 0; i < 3; i++) (await Http.PostAsync("/api/v1/clusters/paged/health/check", null, Ct)).EnsureSuccessStatusCode();

        var seen = new List<string>();
        string? next = "/api/v1/clusters/paged/health/history?limit=2";
        while (next is not null)
        {
            var page = await Http.GetJsonAsync(next);
            seen.AddRange(page["items"]!.AsArray().Select(h => (string)h!["checkedAt"]!));
            next = (string?)page["next"];
        }

        Assert.Equal(4, seen.Count);
        Assert.Equal(seen.Distinct(), seen);
    }

    [Fact]
    public async Task Health_WhileDeploying_IsUnknownAndCheckNowIsAConflict()
    {
        App.Settings["Provisioning:Simulated:TimeScale"] = "0.05";
        await Http.CreateClusterAsync(new { name = "young" });

        var health = await Http.GetJsonAsync("/api/v1/clusters/young/health");
        Assert.Equal("unknown", (string)health["status"]!);
        Assert.Null(health["checkedAt"]);
        Assert.Equal(6, (int)health["wanMembers"]!["expected"]!);
        var check = await Http.PostAsync("/api/v1/clusters/young/health/check", null, Ct);
        Assert.Equal(HttpStatusCode.Conflict, check.StatusCode);
        Assert.Equal("application/problem+json", check.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Health_UnknownCluster_Answers404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/api/v1/clusters/nobody/health", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PostAsync("/api/v1/clusters/nobody/health/check", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/api/v1/clusters/nobody/health/history", Ct)).StatusCode);
    }

    [Fact]
    public async Task ScheduledCheck_IntervalPassed_ChecksAgainWithoutAnyone()
    {
        App.Settings["Health:Interval"] = "00:00:05";
        await CreateAndWaitAsync("watched");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonArray history;
        do
        {
            await Task.Delay(250, Ct);
            history = (await Http.GetJsonAsync("/api/v1/clusters/watched/health/history"))["items"]!.AsArray();
        } while (history.All(h => (string)h!["trigger"]! != "schedule") && DateTime.UtcNow < deadline);

        Assert.Contains(history, h => (string)h!["trigger"]! == "schedule");
    }

    private async Task<JsonObject> CreateAndWaitAsync(string name, object? simulation = null)
    {
        var created = await Http.CreateClusterAsync(simulation is null ? new { name } : new { name, simulation });
        return await Http.WaitForOperationAsync((string)created["operation"]!["id"]!);
    }
}
