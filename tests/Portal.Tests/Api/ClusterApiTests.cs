using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using TestSupport.Portal;

namespace Portal.Tests.Api;

public sealed class ClusterApiTests : PortalApiTest
{
    [Fact]
    public async Task CreateCluster_ValidRequest_Answers202WithClusterOperationAndLocation()
    {
        var response = await Http.PostAsJsonAsync("/api/v1/clusters", new { name = "alpha", team = PortalAppFactory.DefaultTeam, clientCount = 7, region = "us-west-2" }, Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        var operationId = (string)body["operation"]!["id"]!;
        Assert.Equal($"/api/v1/operations/{operationId}", response.Headers.Location!.ToString());
        Assert.Equal("alpha", (string)body["cluster"]!["name"]!);
        Assert.Equal("requested", (string)body["cluster"]!["status"]!);
        Assert.Equal("simulated", (string)body["cluster"]!["engine"]!);
        Assert.Equal(7, (int)body["cluster"]!["spec"]!["clientCount"]!);
        Assert.Equal("[\"us-west-2a\",\"us-west-2b\"]", body["cluster"]!["spec"]!["availabilityZones"]!.ToJsonString());
        Assert.Equal("create", (string)body["operation"]!["kind"]!);
        Assert.Equal("queued", (string)body["operation"]!["state"]!);
        foreach (var field in new[] { "progress", "error", "startedAt", "finishedAt" })
            Assert.True(body["operation"]!.AsObject().ContainsKey(field), $"operation lacks '{field}'");
    }

    [Fact]
    public async Task CreateCluster_Succeeds_ReachesReadyWithOutputsAndGapFreeEvents()
    {
        var created = await Http.CreateClusterAsync(new { name = "ready-one" });
        var operationId = (string)created["operation"]!["id"]!;

        var operation = await Http.WaitForOperationAsync(operationId);

        Assert.Equal("succeeded", (string)operation["state"]!);
        Assert.Equal((int)operation["progress"]!["total"]!, (int)operation["progress"]!["done"]!);
        var cluster = await Http.GetJsonAsync("/api/v1/clusters/ready-one");
        Assert.Equal("ready", (string)cluster["status"]!);
        var outputs = cluster["outputs"]!;
        Assert.StartsWith("vpc-", (string)outputs["vpcId"]!);
        Assert.Equal(6, outputs["wanMembers"]!.AsArray().Count);
        foreach (var server in outputs["servers"]!["eu-west-1a"]!.AsArray())
            Assert.StartsWith("10.0.0.", (string)server!["privateIp"]!);

        var events = await Http.AllEventsAsync(operationId);
        Assert.Equal(Enumerable.Range(1, events.Count), events.Select(e => (int)e["sequence"]!));
        var first = events.First(e => (string)e["type"]! == "resource-started");
        Assert.Equal("vpc", (string)first["resource"]!["name"]!);
        Assert.Equal("aws:ec2/vpc:Vpc", (string)first["resource"]!["type"]!);
        Assert.Equal("create", (string)first["resource"]!["op"]!);
        Assert.Equal("summary", (string)events.Last(e => e["resource"] is null || (string)e["resource"]!["name"]! != global::Portal.Monitoring.ConsulVerification.Step)["type"]!);
        Assert.Equal(global::Portal.Monitoring.ConsulVerification.Step, (string)events[^1]["resource"]!["name"]!);
        var audited = (await Http.GetJsonAsync($"/api/v1/audit?action=operation.succeeded&target={operationId}"))["items"]!.AsArray();
        Assert.Equal("system", (string)Assert.Single(audited)!["actorType"]!);
    }

    [Fact]
    public async Task CreateCluster_InvalidFields_Answers400PerFieldAndStoresNothing()
    {
        var response = await Http.PostAsJsonAsync("/api/v1/clusters", new
        {
            name = "X",
            team = PortalAppFactory.DefaultTeam,
            serversPerAz = 4,
            clientCount = 51,
            region = "mars-1",
            vpcCidr = "8.8.0.0/16",
            consulVersion = "0.8.0",
            logRetentionDays = 2,
        }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var errors = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["errors"]!.AsObject();
        Assert.Equal(["clientCount", "consulVersion", "logRetentionDays", "name", "region", "serversPerAz", "vpcCidr"],
            errors.Select(e => e.Key).Order());
        Assert.Contains("private range", (string)errors["vpcCidr"]![0]!);
        await using var db = App.CreateDbContext();
        Assert.Equal(0, await db.Clusters.CountAsync(Ct));
        Assert.Equal(0, await db.Operations.CountAsync(Ct));
    }

    [Theory]
    [InlineData("{\"name\": \"alpha\", \"unknown\": 1}", "unknown")]
    [InlineData("{\"name\": \"alpha\", \"clientCount\": \"five\"}", "clientCount")]
    [InlineData("{\"name\": ", "")]
    public async Task CreateCluster_UnreadableBody_Answers400ProblemAndStoresNothing(string body, string mentioned)
    {
        var response = await Http.PostAsync("/api/v1/clusters", new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains(mentioned, (string)JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["detail"]!);
        await using var db = App.CreateDbContext();
        Assert.Equal(0, await db.Clusters.CountAsync(Ct));
    }

    [Fact]
    public async Task CreateCluster_NameTaken_Answers409()
    {
        await Http.CreateClusterAsync(new { name = "taken" });

        var response = await Http.PostAsJsonAsync("/api/v1/clusters", new { name = "taken", team = PortalAppFactory.DefaultTeam }, Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Contains("'taken' already exists", (string)problem["detail"]!);
        Assert.NotNull(problem["errors"]!["name"]);
    }

    [Fact]
    public async Task CreateCluster_OverlappingCidr_Answers409NamingTheOtherCluster()
    {
        await Http.CreateClusterAsync(new { name = "first", vpcCidr = "10.42.0.0/16" });

        var response = await Http.PostAsJsonAsync("/api/v1/clusters", new { name = "second", team = PortalAppFactory.DefaultTeam, vpcCidr = "10.42.128.0/20" }, Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Contains("overlaps cluster 'first'", (string)problem["errors"]!["vpcCidr"]![0]!);
    }

    [Fact]
    public async Task CreateCluster_OverlapsAnotherTeamsCluster_Answers409WithoutNamingItOrItsRange()
    {
        await Http.CreateMemberAsync("member@portal.test", "Member-password-2026", "team-a");
        await Http.CreateMemberAsync("other@portal.test", "Other-password-2026", "team-b");
        await Http.CreateClusterAsync(new { name = "hidden-one", team = "team-b", vpcCidr = "10.77.0.0/16" });
        using var member = await Personas.SignInAsync(App, "member@portal.test", "Member-password-2026");

        var response = await member.PostAsJsonAsync("/api/v1/clusters", new { name = "mine", team = "team-a", vpcCidr = "10.77.16.0/20" }, Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("overlaps another cluster's range", (string)JsonNode.Parse(text)!["errors"]!["vpcCidr"]![0]!);
        Assert.DoesNotContain("hidden-one", text);
        Assert.DoesNotContain("10.77.0.0/16", text);
    }

    [Theory]
    [InlineData("eu-west-1z", "'eu-west-1z' is not an Availability Zone of eu-west-1")]
    [InlineData("eu-west-1a", "The two Availability Zones must differ")]
    public async Task CreateCluster_InvalidAvailabilityZone_Answers400NamingIt(string second, string message)
    {
        var response = await Http.PostAsJsonAsync("/api/v1/clusters",
            new { name = "zoned", team = PortalAppFactory.DefaultTeam, region = "eu-west-1", availabilityZones = new[] { "eu-west-1a", second } }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["errors"]!["availabilityZones"]!.AsArray();
        Assert.Contains(errors, e => ((string)e!).Contains(message));
    }

    [Fact]
    public async Task CreateCluster_NoCidr_PicksAFreeOne()
    {
        await Http.CreateClusterAsync(new { name = "first", vpcCidr = "10.0.0.0/16" });

        var second = await Http.CreateClusterAsync(new { name = "second" });

        Assert.Equal("10.1.0.0/16", (string)second["cluster"]!["spec"]!["vpcCidr"]!);
    }

    [Fact]
    public async Task GetCluster_Unknown_Answers404Problem()
    {
        var response = await Http.GetAsync("/api/v1/clusters/nope", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task DeleteCluster_WhileAnotherOperationIsActive_Answers409NamingIt()
    {
        App.Settings["Provisioning:Simulated:TimeScale"] = "1"; // the create is still running when the delete arrives
        var created = await Http.CreateClusterAsync(new { name = "busy" });

        var response = await Http.DeleteAsync("/api/v1/clusters/busy", Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal((string)created["operation"]!["id"]!, (string)problem["blockingOperation"]!);
    }

    [Fact]
    public async Task DeleteCluster_Ready_DestroysEverySimulatedResource()
    {
        var created = await Http.CreateClusterAsync(new { name = "doomed" });
        await Http.WaitForOperationAsync((string)created["operation"]!["id"]!);

        var response = await Http.DeleteAsync("/api/v1/clusters/doomed", Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("destroy", (string)body["operation"]!["kind"]!);
        var operation = await Http.WaitForOperationAsync((string)body["operation"]!["id"]!);
        Assert.Equal("succeeded", (string)operation["state"]!);
        Assert.Equal("destroyed", (string)(await Http.GetJsonAsync("/api/v1/clusters/doomed"))["status"]!);
        await using var db = App.CreateDbContext();
        Assert.Equal(0, await db.SimulatedResources.CountAsync(r => r.Stack == "doomed", Ct));
    }

    [Fact]
    public async Task CreateCluster_InjectedFailure_EndsFailedKeepsTheRestAndRetryCompletes()
    {
        var created = await Http.CreateClusterAsync(new { name = "flaky", simulation = new { failResource = "serverGroupB" } });

        var failed = await Http.WaitForOperationAsync((string)created["operation"]!["id"]!);

        Assert.Equal("failed", (string)failed["state"]!);
        Assert.Equal(["serverGroupB"], failed["failedResources"]!.AsArray().Select(n => (string)n!));
        Assert.Contains("CreateAutoScalingGroup", (string)failed["error"]!);
        Assert.Equal("failed", (string)(await Http.GetJsonAsync("/api/v1/clusters/flaky"))["status"]!);
        await using (var db = App.CreateDbContext())
            Assert.DoesNotContain(await db.SimulatedResources.Where(r => r.Stack == "flaky").Select(r => r.Name).ToListAsync(Ct), n => n == "serverGroupB");

        var retry = await Http.PostAsync($"/api/v1/operations/{failed["id"]}/retry", null, Ct);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        var retried = await Http.WaitForOperationAsync((string)JsonNode.Parse(await retry.Content.ReadAsStringAsync(Ct))!["operation"]!["id"]!);
        Assert.Equal("succeeded", (string)retried["state"]!);
        Assert.Equal("ready", (string)(await Http.GetJsonAsync("/api/v1/clusters/flaky"))["status"]!);
    }

    [Fact]
    public async Task ListClusters_RetryUnderWay_NamesTheActiveOperationUntilItEnds()
    {
        App.Settings["Provisioning:Simulated:TimeScale"] = "0.05";
        var created = await Http.CreateClusterAsync(new { name = "flaky", simulation = new { failResource = "serverGroupB" } });
        var failed = await Http.WaitForOperationAsync((string)created["operation"]!["id"]!);
        Assert.Null((await ListItemAsync("flaky"))["activeOperation"]);

        var retry = await Http.PostAsync($"/api/v1/operations/{failed["id"]}/retry", null, Ct);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);

        // Whether the worker has started it yet or not, the list says what is under way: a page shows "provisioning", never "failed".
        Assert.Equal("create", (string)(await ListItemAsync("flaky"))["activeOperation"]!);
        await Http.WaitForOperationAsync((string)JsonNode.Parse(await retry.Content.ReadAsStringAsync(Ct))!["operation"]!["id"]!);
        var settled = await ListItemAsync("flaky");
        Assert.Null(settled["activeOperation"]);
        Assert.Equal("ready", (string)settled["status"]!);
    }

    private async Task<JsonObject> ListItemAsync(string name) =>
        (await Http.GetJsonAsync("/api/v1/clusters"))["items"]!.AsArray().Single(c => (string)c!["name"]! == name)!.AsObject();

    [Fact]
    public async Task CancelOperation_Running_StopsAtASafePointAsCancelled()
    {
        App.Settings["Provisioning:Simulated:TimeScale"] = "0.05";
        var created = await Http.CreateClusterAsync(new { name = "stopme" });
        var operationId = (string)created["operation"]!["id"]!;
        await WaitUntilAsync(async () => (int)(await Http.GetJsonAsync($"/api/v1/operations/{operationId}"))["progress"]!["done"]! > 0);

        var response = await Http.PostAsync($"/api/v1/operations/{operationId}/cancel", null, Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var operation = await Http.WaitForOperationAsync(operationId);
        Assert.Equal("cancelled", (string)operation["state"]!);
        Assert.True((int)operation["progress"]!["done"]! < (int)operation["progress"]!["total"]!);
    }

    [Fact]
    public async Task OperationEvents_AfterCursor_ReturnsOnlyLaterEventsAndNext()
    {
        var created = await Http.CreateClusterAsync(new { name = "paged" });
        var operationId = (string)created["operation"]!["id"]!;
        await Http.WaitForOperationAsync(operationId);

        var page = await Http.GetJsonAsync($"/api/v1/operations/{operationId}/events?after=10&limit=5");

        Assert.Equal([11, 12, 13, 14, 15], page["events"]!.AsArray().Select(e => (int)e!["sequence"]!));
        Assert.Equal(15, (int)page["next"]!);
    }

    [Fact]
    public async Task CreateCluster_SimulationWithUnknownResource_Answers400()
    {
        var response = await Http.PostAsJsonAsync("/api/v1/clusters", new { name = "alpha", team = PortalAppFactory.DefaultTeam, simulation = new { failResource = "nope" } }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not a resource", (string)JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["errors"]!["simulation.failResource"]![0]!);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 600 && !await condition(); i++) await Task.Delay(50, Ct);
        Assert.True(await condition(), "The condition did not become true in time.");
    }

    [Fact]
    public async Task ListClusters_ReadyCluster_CarriesASummaryWithoutOutputsAndTheDetailKeepsThem()
    {
        var created = await Http.CreateClusterAsync(new { name = "lean", clientCount = 4, region = "us-west-2" });
        await Http.WaitForOperationAsync((string)created["operation"]!["id"]!);

        var item = Assert.Single((await Http.GetJsonAsync("/api/v1/clusters"))["items"]!.AsArray())!.AsObject();

        Assert.Equal(["name", "team", "status", "engine", "spec", "instances", "createdAt", "updatedAt", "health", "zoneOutage", "expiresAt", "activeOperation"], item.Select(p => p.Key));
        Assert.Equal(("lean", "ready", "simulated"), ((string)item["name"]!, (string)item["status"]!, (string)item["engine"]!));
        Assert.Equal(["region", "availabilityZones", "vpcCidr", "serversPerAz", "clientCount", "consulVersion"], item["spec"]!.AsObject().Select(p => p.Key));
        Assert.Equal(("us-west-2", 4), ((string)item["spec"]!["region"]!, (int)item["spec"]!["clientCount"]!));
        Assert.Equal("""{"servers":6,"clients":4,"total":10}""", item["instances"]!.ToJsonString());
        Assert.Equal("healthy", (string)item["health"]!["status"]!);
        Assert.Null(item["zoneOutage"]);
        var detail = await Http.GetJsonAsync("/api/v1/clusters/lean");
        Assert.Equal(6, detail["outputs"]!["wanMembers"]!.AsArray().Count);
        Assert.NotNull(detail["spec"]!["serverInstanceType"]);
        foreach (var field in new[] { "name", "team", "status", "engine", "createdAt", "updatedAt", "health", "zoneOutage", "expiresAt" })
            Assert.Equal(detail[field]?.ToJsonString(), item[field]?.ToJsonString());
        foreach (var (field, value) in item["spec"]!.AsObject())
            Assert.Equal(detail["spec"]![field]!.ToJsonString(), value!.ToJsonString());
    }

    [Fact]
    public async Task ListClusters_Query_ReadsNeitherOutputsNorSecrets()
    {
        await Http.WaitForOperationAsync((string)(await Http.CreateClusterAsync(new { name = "columns" }))["operation"]!["id"]!);
        var before = App.Logs.Lines.Count;

        await Http.GetJsonAsync("/api/v1/clusters?limit=10");

        // EF Core logs every command it runs: the list's is the one that orders clusters by name (SQLite quotes the alias, PostgreSQL not).
        var list = Assert.Single(App.Logs.Lines.Skip(before), l => l.Contains("Executed DbCommand") && l.Contains("FROM \"Clusters\"")
            && (l.Contains("ORDER BY \"c\".\"Name\"") || l.Contains("ORDER BY c.\"Name\"")));
        Assert.Contains("\"SpecJson\"", list);
        Assert.DoesNotContain("OutputsJson", list);
        Assert.DoesNotContain("ProtectedSecrets", list);
    }
}
