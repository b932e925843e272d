using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using TestSupport;
using TestSupport.Portal;

namespace Portal.Tests.Api;

/// <summary>Update, preview, retry, concurrency control, lists and limits of the REST API.</summary>
public sealed class ClusterChangeApiTests : PortalApiTest
{
    [Fact]
    public async Task PatchCluster_ClientCountAndVersion_EnqueuesUpdateThatAppliesTheSpec()
    {
        await ReadyClusterAsync("grow");
        var etag = (await Http.GetAsync("/api/v1/clusters/grow", Ct)).Headers.ETag!.Tag;

        var response = await PatchAsync("/api/v1/clusters/grow", """{"clientCount":9,"consulVersion":"2.0.4"}""", etag);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.NotNull(response.Headers.ETag);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("update", (string)body["operation"]!["kind"]!);
        Assert.Equal(5, (int)body["cluster"]!["spec"]!["clientCount"]!); // applied only when the update succeeds
        Assert.Equal("succeeded", (string)(await Http.WaitForOperationAsync((string)body["operation"]!["id"]!))["state"]!);
        var cluster = await Http.GetJsonAsync("/api/v1/clusters/grow");
        Assert.Equal(9, (int)cluster["spec"]!["clientCount"]!);
        Assert.Equal("2.0.4", (string)cluster["spec"]!["consulVersion"]!);
        Assert.Equal("ready", (string)cluster["status"]!);
    }

    [Fact]
    public async Task PatchCluster_ClientCount5To8OnSimulated_UpdatesTheClientGroupLaunchesThreeClientsAndListsThemInTheOutputs()
    {
        await ReadyClusterAsync("scaled");
        var before = (await Http.GetJsonAsync("/api/v1/clusters/scaled"))["outputs"]!["clients"]!.AsArray().Select(c => (string)c!["instanceId"]!).ToList();
        Assert.Equal(5, before.Count);

        var body = JsonNode.Parse(await (await PatchAsync("/api/v1/clusters/scaled", """{"clientCount":8}""")).Content.ReadAsStringAsync(Ct))!;
        var operation = await Http.WaitForOperationAsync((string)body["operation"]!["id"]!);

        Assert.Equal("succeeded", (string)operation["state"]!);
        var events = await Http.AllEventsAsync((string)operation["id"]!);
        var steps = events.Where(e => e["resource"] is not null && (string)e["type"]! == "resource-succeeded")
            .ToDictionary(e => (string)e["resource"]!["name"]!, e => (string)e["resource"]!["op"]!);
        Assert.Equal("update", steps["clientGroup"]);
        Assert.Equal(["clientGroup"], steps.Where(s => s.Value is "create" or "update" or "delete" or "replace").Select(s => s.Key));
        var launched = events.Where(e => (string?)e["resource"]?["type"] == "consul:client" && (string)e["resource"]!["op"]! == "create")
            .Select(e => (string)e["resource"]!["name"]!).ToList();
        Assert.Equal(3, launched.Count);
        var cluster = await Http.GetJsonAsync("/api/v1/clusters/scaled");
        Assert.Equal(8, (int)cluster["spec"]!["clientCount"]!);
        var after = cluster["outputs"]!["clients"]!.AsArray().Select(c => (string)c!["instanceId"]!).ToList();
        Assert.Equal(8, after.Count);
        Assert.Equal(before.Concat(launched).Order(), after.Order()); // the five keep running; the three are new
        Assert.Equal(8, (int)cluster["outputs"]!["clientCount"]!);
    }

    [Fact]
    public async Task PatchCluster_InvalidValues_Answers400PerField()
    {
        await ReadyClusterAsync("strict");

        var response = await PatchAsync("/api/v1/clusters/strict", """{"clientCount":51,"consulVersion":"0.1.0"}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["errors"]!.AsObject();
        Assert.Equal(["clientCount", "consulVersion"], errors.Select(e => e.Key).Order());
    }

    [Theory]
    [InlineData("""{"consulVersion":""}""")]
    [InlineData("""{"consulVersion":"  "}""")]
    [InlineData("""{"clientCount":3,"consulVersion":""}""")]
    public async Task PatchCluster_EmptyConsulVersion_Answers400AndChangesNothing(string body)
    {
        await ReadyClusterAsync("pinned");
        var before = await Http.GetJsonAsync("/api/v1/clusters/pinned");

        var response = await PatchAsync("/api/v1/clusters/pinned", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["errors"]!.AsObject();
        Assert.Contains("omit it to keep", (string)errors["consulVersion"]![0]!);
        Assert.Equal(before.ToJsonString(), (await Http.GetJsonAsync("/api/v1/clusters/pinned")).ToJsonString());
        await using var db = App.CreateDbContext();
        Assert.Equal(1, await db.Operations.CountAsync(Ct));
    }

    [Fact]
    public async Task PatchAndDelete_StaleIfMatch_Answer412AndChangeNothing()
    {
        await ReadyClusterAsync("guarded");
        var stale = (await Http.GetAsync("/api/v1/clusters/guarded", Ct)).Headers.ETag!.Tag;
        var update = JsonNode.Parse(await (await PatchAsync("/api/v1/clusters/guarded", """{"clientCount":6}""", stale)).Content.ReadAsStringAsync(Ct))!;
        await Http.WaitForOperationAsync((string)update["operation"]!["id"]!); // the cluster changed since 'stale' was read

        var patch = await PatchAsync("/api/v1/clusters/guarded", """{"clientCount":7}""", stale);
        using var delete = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/clusters/guarded");
        delete.Headers.TryAddWithoutValidation("If-Match", stale);
        var destroy = await Http.SendAsync(delete, Ct);

        Assert.Equal(HttpStatusCode.PreconditionFailed, patch.StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, destroy.StatusCode);
        Assert.Equal("application/problem+json", destroy.Content.Headers.ContentType!.MediaType);
        var current = await Http.GetAsync("/api/v1/clusters/guarded", Ct);
        Assert.NotEqual(stale, current.Headers.ETag!.Tag);
        await using var db = App.CreateDbContext();
        Assert.Equal(2, await db.Operations.CountAsync(Ct));

        using var fresh = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/clusters/guarded");
        fresh.Headers.TryAddWithoutValidation("If-Match", current.Headers.ETag.Tag);
        Assert.Equal(HttpStatusCode.Accepted, (await Http.SendAsync(fresh, Ct)).StatusCode);
    }

    [Fact]
    public async Task PreviewCluster_ReadyCluster_ReportsChangesWithoutChangingAnything()
    {
        await ReadyClusterAsync("previewed");
        await using var before = App.CreateDbContext();
        var resources = await before.SimulatedResources.CountAsync(r => r.Stack == "previewed", Ct);

        var response = await Http.PostAsync("/api/v1/clusters/previewed/preview", null, Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("preview", (string)body["operation"]!["kind"]!);
        var operation = await Http.WaitForOperationAsync((string)body["operation"]!["id"]!);
        Assert.Equal("succeeded", (string)operation["state"]!);
        Assert.Empty(PreviewResults.Named(operation["result"], "create"));
        Assert.Empty(PreviewResults.Named(operation["result"], "delete"));
        Assert.Equal(resources, PreviewResults.Named(operation["result"], "unchanged").Count);
        await using var after = App.CreateDbContext();
        Assert.Equal(resources, await after.SimulatedResources.CountAsync(r => r.Stack == "previewed", Ct));
        Assert.Equal("ready", (string)(await Http.GetJsonAsync("/api/v1/clusters/previewed"))["status"]!);
    }

    [Fact]
    public async Task PreviewCluster_PartlyBuilt_ListsTheResourcesToCreate()
    {
        var created = await Http.CreateClusterAsync(new { name = "partial", simulation = new { failResource = "serverGroupB" } });
        await Http.WaitForOperationAsync((string)created["operation"]!["id"]!);

        var body = JsonNode.Parse(await (await Http.PostAsync("/api/v1/clusters/partial/preview", null, Ct)).Content.ReadAsStringAsync(Ct))!;
        var operation = await Http.WaitForOperationAsync((string)body["operation"]!["id"]!);

        Assert.Contains("serverGroupB", PreviewResults.Named(operation["result"], "create"));
        Assert.Equal("failed", (string)(await Http.GetJsonAsync("/api/v1/clusters/partial"))["status"]!);
    }

    [Fact]
    public async Task RetryOperation_Failed_RefreshesFirstAndRecordsWhatItRetries()
    {
        var created = await Http.CreateClusterAsync(new { name = "again", simulation = new { failResource = "serverGroupA" } });
        var failed = await Http.WaitForOperationAsync((string)created["operation"]!["id"]!);

        var retry = JsonNode.Parse(await (await Http.PostAsync($"/api/v1/operations/{failed["id"]}/retry", null, Ct)).Content.ReadAsStringAsync(Ct))!;
        var retried = await Http.WaitForOperationAsync((string)retry["operation"]!["id"]!);

        Assert.Equal("succeeded", (string)retried["state"]!);
        Assert.Equal((string)failed["id"]!, (string)retried["retryOf"]!);
        var events = await Http.AllEventsAsync((string)retried["id"]!);
        Assert.Contains("only the missing ones are created", (string)events[0]["message"]!);
        Assert.DoesNotContain(events, e => (string?)e["resource"]?["name"] == "vpc" && (string)e["resource"]!["op"]! == "create");
    }

    [Fact]
    public async Task RetryOperation_ClusterDestroyedAndNameReusedByAnotherTeam_Answers409AndChangesNothing()
    {
        var (failed, successor) = await NameReusedAfterFailureAsync();

        var response = await Http.PostAsync($"/api/v1/operations/{failed}/retry", null, Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("destroyed", (string)JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["detail"]!);
        await AssertUntouchedAsync(successor);
    }

    [Fact]
    public async Task CancelOperation_ClusterDestroyedAndNameReused_Answers409AndChangesNothing()
    {
        var (failed, successor) = await NameReusedAfterFailureAsync();

        var response = await Http.PostAsync($"/api/v1/operations/{failed}/cancel", null, Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        await AssertUntouchedAsync(successor);
    }

    /// <summary>
    /// A create that failed in team-a, its cluster destroyed since, and the name taken by a ready cluster of team-b:
    /// the failed operation's id, and the spec and operations of team-b's cluster as they are.
    /// </summary>
    private async Task<(string Failed, string Successor)> NameReusedAfterFailureAsync()
    {
        await Http.CreateMemberAsync("a@portal.test", "Reused-password-2026", "team-a");
        await Http.CreateMemberAsync("b@portal.test", "Reused-password-2026", "team-b");
        var first = await Http.CreateClusterAsync(new { name = "reused", team = "team-a", simulation = new { failResource = "serverGroupA" } });
        var failed = (string)(await Http.WaitForOperationAsync((string)first["operation"]!["id"]!))["id"]!;
        var destroy = JsonNode.Parse(await (await Http.DeleteAsync("/api/v1/clusters/reused", Ct)).Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("succeeded", (string)(await Http.WaitForOperationAsync((string)destroy["operation"]!["id"]!))["state"]!);
        var second = await Http.CreateClusterAsync(new { name = "reused", team = "team-b", clientCount = 2 });
        await Http.WaitForOperationAsync((string)second["operation"]!["id"]!);
        return (failed, await SuccessorStateAsync());
    }

    private async Task<string> SuccessorStateAsync()
    {
        await using var db = App.CreateDbContext();
        var cluster = await db.Clusters.AsNoTracking().SingleAsync(c => c.Team == "team-b", Ct);
        var operations = await db.Operations.AsNoTracking().Where(o => o.ClusterId == cluster.Id).Select(o => o.Kind + ":" + o.State).ToListAsync(Ct);
        return $"{cluster.Status} {System.Text.Json.JsonSerializer.Serialize(cluster.Spec, PortalJson.Options)} {string.Join(",", operations)}";
    }

    private async Task AssertUntouchedAsync(string successor)
    {
        await Task.Delay(300, Ct); // a wrongly enqueued operation would have run by now
        Assert.Equal(successor, await SuccessorStateAsync());
        await using var db = App.CreateDbContext();
        Assert.Equal(0, await db.Operations.CountAsync(o => o.State == Portal.Data.OperationState.Queued || o.State == Portal.Data.OperationState.Running, Ct));
    }

    [Fact]
    public async Task ListClusters_Paged_FollowsNextLinksInNameOrderWithoutGapOrRepeat()
    {
        string[] names = ["delta", "alpha", "echo", "charlie", "bravo"];
        (await Http.PostAsJsonAsync("/api/v1/teams", new { name = "search", displayName = "Search" }, Ct)).EnsureSuccessStatusCode();
        foreach (var name in names) await Http.CreateClusterAsync(new { name, team = name == "echo" ? "search" : null });

        var seen = new List<string>();
        string? next = "/api/v1/clusters?limit=2";
        var pages = 0;
        while (next is not null)
        {
            var page = await Http.GetJsonAsync(next);
            seen.AddRange(page["items"]!.AsArray().Select(c => (string)c!["name"]!));
            next = (string?)page["next"];
            pages++;
        }

        Assert.Equal(names.Order(), seen);
        Assert.Equal(3, pages);
        Assert.Equal(["echo"], (await Http.GetJsonAsync("/api/v1/clusters?team=search"))["items"]!.AsArray().Select(c => (string)c!["name"]!));
        Assert.Equal(["charlie"], (await Http.GetJsonAsync("/api/v1/clusters?q=arl"))["items"]!.AsArray().Select(c => (string)c!["name"]!));
        Assert.Empty((await Http.GetJsonAsync("/api/v1/clusters?status=destroyed"))["items"]!.AsArray());
    }

    [Fact]
    public async Task ListOperations_FilteredAndPaged_NewestFirst()
    {
        await ReadyClusterAsync("busy-one");
        var preview = JsonNode.Parse(await (await Http.PostAsync("/api/v1/clusters/busy-one/preview", null, Ct)).Content.ReadAsStringAsync(Ct))!;
        await Http.WaitForOperationAsync((string)preview["operation"]!["id"]!);

        var first = await Http.GetJsonAsync("/api/v1/clusters/busy-one/operations?limit=1");
        var second = await Http.GetJsonAsync((string)first["next"]!);

        Assert.Equal("preview", (string)first["items"]![0]!["kind"]!);
        Assert.Equal("create", (string)second["items"]![0]!["kind"]!);
        Assert.Null(second["next"]);
        Assert.Equal(["create"], (await Http.GetJsonAsync("/api/v1/operations?kind=create&q=busy"))["items"]!.AsArray().Select(o => (string)o!["kind"]!));
        Assert.Equal(2, (await Http.GetJsonAsync("/api/v1/operations?status=succeeded&team=platform"))["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task Api_OverTheRateLimit_Answers429ProblemWithRetryAfter()
    {
        App.Settings["RateLimiting:PermitsPerMinute"] = "4";
        _ = Http; // setting up the test client spends one permit (it creates the default team)

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage last = null!;
        for (var i = 0; i < 4; i++) statuses.Add((last = await Http.GetAsync("/api/v1/clusters", Ct)).StatusCode);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal("application/problem+json", last.Content.Headers.ContentType!.MediaType);
        Assert.True(last.Headers.RetryAfter!.Delta > TimeSpan.Zero);
        Assert.Equal("https://portal.example/problems/rate-limited", (string)JsonNode.Parse(await last.Content.ReadAsStringAsync(Ct))!["type"]!);
    }

    [Fact]
    public void Startup_InvalidRateLimit_StopsWithTheOptionNamed()
    {
        App.Settings["RateLimiting:PermitsPerMinute"] = "0";

        var error = Assert.ThrowsAny<Exception>(() => App.CreateApiClient());

        Assert.Contains("PermitsPerMinute", error.ToString());
    }

    [Fact]
    public async Task Api_UnknownRouteAndWrongMethod_AnswerProblems()
    {
        var unknown = await Http.GetAsync("/api/v1/widgets", Ct);
        var wrongMethod = await Http.PutAsJsonAsync("/api/v1/clusters/alpha", new { }, Ct);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Equal("https://portal.example/problems/method-not-allowed", (string)JsonNode.Parse(await wrongMethod.Content.ReadAsStringAsync(Ct))!["type"]!);
    }

    private async Task ReadyClusterAsync(string name)
    {
        var created = await Http.CreateClusterAsync(new { name });
        Assert.Equal("succeeded", (string)(await Http.WaitForOperationAsync((string)created["operation"]!["id"]!))["state"]!);
    }

    private async Task<HttpResponseMessage> PatchAsync(string url, string body, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, url) { Content = new StringContent(body, Encoding.UTF8, "application/merge-patch+json") };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await Http.SendAsync(request, Ct);
    }
}
