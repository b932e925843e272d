using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TestSupport.Portal;

namespace Portal.Tests.Monitoring;

/// <summary>The zone-outage drill: one zone down, the other datacenter serving, the clients moved; then back to healthy.</summary>
public sealed class ZoneOutageDrillApiTests : Api.PortalApiTest
{
    private const string Drill = "/api/v1/clusters/drilled/drills/zone-outage", ZoneA = "eu-west-1a", ZoneB = "eu-west-1b";

    [Fact]
    public async Task ZoneOutage_ThenRestore_SurvivingDatacenterServesAndClientsMoveAndReturn()
    {
        await ReadyClusterAsync();

        var outage = await EnqueueAsync(Http.PostAsJsonAsync(Drill, new { zone = ZoneA }, Ct));

        Assert.Equal("succeeded", (string)outage["state"]!);
        Assert.Equal("zone-outage", (string)outage["kind"]!);
        var cluster = await Http.GetJsonAsync("/api/v1/clusters/drilled");
        Assert.Equal("degraded", (string)cluster["status"]!);
        Assert.Equal(ZoneA, (string)cluster["zoneOutage"]!);
        Assert.All(cluster["outputs"]!["clients"]!.AsArray(), c => Assert.Equal(ZoneB, (string)c!["availabilityZone"]!));
        Assert.Equal(5, cluster["outputs"]!["clients"]!.AsArray().Count);
        var health = await Http.GetJsonAsync("/api/v1/clusters/drilled/health");
        Assert.Equal("drill", (string)health["trigger"]!);
        var (lost, survivor) = (Datacenter(health, ZoneA), Datacenter(health, ZoneB));
        Assert.False((bool)lost["reachable"]!);
        Assert.Contains("not responding", (string)lost["error"]!);
        Assert.True((bool)survivor["reachable"]!);
        Assert.NotNull((string?)survivor["leader"]);
        Assert.Equal(3, survivor["servers"]!.AsArray().Count(s => (bool)s!["healthy"]!));
        Assert.True(Check(health, $"leader/{ZoneB}"));
        Assert.False(Check(health, $"leader/{ZoneA}"));
        Assert.Equal(3, (int)health["wanMembers"]!["alive"]!);
        // The secondary replicates ACLs from the lost primary: its replication fails, naming why.
        Assert.False(Check(health, "acl-replication"));

        var restore = await EnqueueAsync(Http.DeleteAsync(Drill, Ct));

        Assert.Equal("succeeded", (string)restore["state"]!);
        cluster = await Http.GetJsonAsync("/api/v1/clusters/drilled");
        Assert.Equal("ready", (string)cluster["status"]!);
        Assert.Null(cluster["zoneOutage"]);
        var zones = cluster["outputs"]!["clients"]!.AsArray().GroupBy(c => (string)c!["availabilityZone"]!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(3, zones[ZoneA]);
        Assert.Equal(2, zones[ZoneB]);
        Assert.Equal("healthy", (string)(await Http.GetJsonAsync("/api/v1/clusters/drilled/health"))["status"]!);
        var audit = (await Http.GetJsonAsync("/api/v1/audit?target=drilled"))["items"]!.AsArray().Select(e => (string)e!["action"]!).ToList();
        Assert.Contains("cluster.drill.zone-outage", audit);
        Assert.Contains("cluster.drill.zone-restore", audit);
        // unknown to healthy, healthy to degraded, degraded to healthy
        Assert.Equal(3, audit.Count(a => a == "cluster.health.changed"));
    }

    [Theory]
    [InlineData("{}", "zone")]
    [InlineData("{\"zone\":\"eu-west-1c\"}", "zone")]
    [InlineData("{\"zone\":\"\"}", "zone")]
    public async Task ZoneOutage_BadZone_Answers400NamingTheFieldAndChangesNothing(string body, string field)
    {
        await ReadyClusterAsync();

        var response = await Http.PostAsync(Drill, new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.NotEmpty(problem["errors"]![field]!.AsArray());
        var operations = (await Http.GetJsonAsync("/api/v1/clusters/drilled/operations"))["items"]!.AsArray();
        Assert.Single(operations);
    }

    [Fact]
    public async Task ZoneOutage_ZoneAlreadyDown_Answers409AndRestoreWithoutOutageAnswers409()
    {
        await ReadyClusterAsync();
        var nothingToRestore = await Http.DeleteAsync(Drill, Ct);
        Assert.Equal(HttpStatusCode.Conflict, nothingToRestore.StatusCode);

        await EnqueueAsync(Http.PostAsJsonAsync(Drill, new { zone = ZoneB }, Ct));
        var again = await Http.PostAsJsonAsync(Drill, new { zone = ZoneA }, Ct);

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains($"Zone {ZoneB}", (string)JsonNode.Parse(await again.Content.ReadAsStringAsync(Ct))!["detail"]!);
    }

    [Fact]
    public async Task Update_WhileAZoneIsDown_Answers409UntilRestored()
    {
        await ReadyClusterAsync();
        await EnqueueAsync(Http.PostAsJsonAsync(Drill, new { zone = ZoneA }, Ct));

        var refused = await Http.PatchAsJsonAsync("/api/v1/clusters/drilled", new { clientCount = 6 }, Ct);

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("restore it before changing", (string)JsonNode.Parse(await refused.Content.ReadAsStringAsync(Ct))!["detail"]!);
        await EnqueueAsync(Http.DeleteAsync(Drill, Ct));
        Assert.Equal("succeeded", (string)(await EnqueueAsync(Http.PatchAsJsonAsync("/api/v1/clusters/drilled", new { clientCount = 6 }, Ct)))["state"]!);
    }

    [Fact]
    public async Task ZoneOutage_SecondaryDown_PrimaryKeepsServingAndReplicationIsNotReported()
    {
        await ReadyClusterAsync();

        await EnqueueAsync(Http.PostAsJsonAsync(Drill, new { zone = ZoneB }, Ct));

        var health = await Http.GetJsonAsync("/api/v1/clusters/drilled/health");
        Assert.True(Check(health, $"leader/{ZoneA}"));
        Assert.False(Check(health, $"leader/{ZoneB}"));
        Assert.Contains("did not report", (string)health["checks"]!.AsArray().Single(c => (string)c!["name"]! == "acl-replication")!["detail"]!);
    }

    private async Task ReadyClusterAsync()
    {
        var created = await Http.CreateClusterAsync(new { name = "drilled" });
        Assert.Equal("succeeded", (string)(await Http.WaitForOperationAsync((string)created["operation"]!["id"]!))["state"]!);
    }

    private async Task<JsonObject> EnqueueAsync(Task<HttpResponseMessage> request)
    {
        var response = await request;
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"Expected 202, got {(int)response.StatusCode}: {text}");
        return await Http.WaitForOperationAsync((string)JsonNode.Parse(text)!["operation"]!["id"]!);
    }

    private static JsonObject Datacenter(JsonObject health, string name) =>
        health["datacenters"]!.AsArray().Single(dc => (string)dc!["name"]! == name)!.AsObject();

    private static bool Check(JsonObject health, string name) =>
        (bool)health["checks"]!.AsArray().Single(c => (string)c!["name"]! == name)!["passed"]!;
}
