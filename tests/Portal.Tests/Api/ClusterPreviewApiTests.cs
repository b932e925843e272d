using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using TestSupport;
using TestSupport.Portal;

namespace Portal.Tests.Api;

/// <summary>Review before apply: a preview of a proposed change, then <c>POST /operations/{id}/apply</c> of exactly that change.</summary>
public sealed class ClusterPreviewApiTests : PortalApiTest
{
    [Fact]
    public async Task PreviewThenApply_ClientCount5To8_ReviewsTheClientGroupResizeThenAppliesExactlyIt()
    {
        await ReadyClusterAsync("reviewed");

        var preview = await PreviewAsync("reviewed", new { clientCount = 8 });

        Assert.Equal("succeeded", (string)preview["state"]!);
        var result = preview["result"]!;
        Assert.Equal(["clientGroup"], PreviewResults.Named(result, "update"));
        var group = PreviewResults.Change(result, "clientGroup");
        Assert.Equal(["desiredCapacity", "maxSize", "minSize"], group["properties"]!.AsArray().Select(p => (string)p!));
        Assert.Equal("5 → 8: launches 3 instance(s)", (string)group["detail"]!);
        Assert.Equal(1, (int)result["counts"]!["update"]!);
        Assert.Equal(0, (int)result["counts"]!["create"]! + (int)result["counts"]!["delete"]!);
        Assert.Equal(5, (int)(await Http.GetJsonAsync("/api/v1/clusters/reviewed"))["spec"]!["clientCount"]!); // a preview changes nothing

        var apply = await Http.PostAsync($"/api/v1/operations/{preview["id"]}/apply", null, Ct);

        Assert.Equal(HttpStatusCode.Accepted, apply.StatusCode);
        var body = JsonNode.Parse(await apply.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("update", (string)body["operation"]!["kind"]!);
        Assert.Equal((string)preview["id"]!, (string)body["operation"]!["previewOf"]!);
        Assert.Equal($"/api/v1/operations/{body["operation"]!["id"]}", apply.Headers.Location!.OriginalString);
        var update = await Http.WaitForOperationAsync((string)body["operation"]!["id"]!);
        Assert.Equal("succeeded", (string)update["state"]!);
        var cluster = await Http.GetJsonAsync("/api/v1/clusters/reviewed");
        Assert.Equal(8, (int)cluster["spec"]!["clientCount"]!);
        Assert.Equal(8, cluster["outputs"]!["clients"]!.AsArray().Count);
        var audit = (await Http.GetJsonAsync("/api/v1/audit?action=operation.apply"))["items"]!.AsArray();
        Assert.Equal("reviewed", (string)Assert.Single(audit)!["targetId"]!);
    }

    [Fact]
    public async Task ApplyPreview_AppliedAlready_Answers409NamingTheUpdateAndEnqueuesNothing()
    {
        await ReadyClusterAsync("once");
        var preview = await PreviewAsync("once", new { clientCount = 6 });
        var first = JsonNode.Parse(await (await Http.PostAsync($"/api/v1/operations/{preview["id"]}/apply", null, Ct)).Content.ReadAsStringAsync(Ct))!;
        await Http.WaitForOperationAsync((string)first["operation"]!["id"]!);

        var again = await Http.PostAsync($"/api/v1/operations/{preview["id"]}/apply", null, Ct);

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var problem = JsonNode.Parse(await again.Content.ReadAsStringAsync(Ct))!;
        Assert.Contains("applied already", (string)problem["detail"]!);
        Assert.Equal((string)first["operation"]!["id"]!, (string)problem["blockingOperation"]!);
        await using var db = App.CreateDbContext();
        Assert.Equal(1, await db.Operations.CountAsync(o => o.Kind == OperationKind.Update, Ct));
    }

    [Fact]
    public async Task ApplyPreview_RetriedWithTheSameIdempotencyKey_ReplaysTheFirstAnswerAndEnqueuesOnce()
    {
        await ReadyClusterAsync("replayed");
        var preview = await PreviewAsync("replayed", new { clientCount = 4 });
        async Task<HttpResponseMessage> ApplyAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/operations/{preview["id"]}/apply");
            request.Headers.Add("Idempotency-Key", "apply-replayed-1");
            return await Http.SendAsync(request, Ct);
        }

        var first = await ApplyAsync();
        var retried = await ApplyAsync();

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode); // not "applied already": the same request, answered again
        Assert.True(retried.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(await first.Content.ReadAsStringAsync(Ct), await retried.Content.ReadAsStringAsync(Ct));
        await using var db = App.CreateDbContext();
        Assert.Equal(1, await db.Operations.CountAsync(o => o.PreviewOfId != null, Ct));
    }

    [Fact]
    public async Task ApplyPreview_ClusterChangedSince_Answers409AndChangesNothing()
    {
        await ReadyClusterAsync("moved");
        var preview = await PreviewAsync("moved", new { clientCount = 7 });
        using var patch = new HttpRequestMessage(HttpMethod.Patch, "/api/v1/clusters/moved") { Content = JsonContent.Create(new { clientCount = 3 }) };
        var changed = JsonNode.Parse(await (await Http.SendAsync(patch, Ct)).Content.ReadAsStringAsync(Ct))!;
        await Http.WaitForOperationAsync((string)changed["operation"]!["id"]!);

        var stale = await Http.PostAsync($"/api/v1/operations/{preview["id"]}/apply", null, Ct);

        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal("application/problem+json", stale.Content.Headers.ContentType!.MediaType);
        Assert.Contains("changed since preview", (string)JsonNode.Parse(await stale.Content.ReadAsStringAsync(Ct))!["detail"]!);
        Assert.Equal(3, (int)(await Http.GetJsonAsync("/api/v1/clusters/moved"))["spec"]!["clientCount"]!);
        await using var db = App.CreateDbContext();
        Assert.Equal(0, await db.Operations.CountAsync(o => o.PreviewOfId != null, Ct));
    }

    [Fact]
    public async Task ApplyPreview_OlderThanItsLifetime_Answers410AndChangesNothing()
    {
        App.Settings["Previews:Lifetime"] = "00:05:00";
        await ReadyClusterAsync("aged");
        var preview = await PreviewAsync("aged", new { clientCount = 9 });
        await using (var db = App.CreateDbContext())
        {
            var id = Guid.Parse((string)preview["id"]!);
            var finished = await db.Operations.Where(o => o.Id == id).Select(o => o.FinishedAt).SingleAsync(Ct);
            await db.Operations.Where(o => o.Id == id).ExecuteUpdateAsync(s => s.SetProperty(o => o.FinishedAt, finished!.Value.AddMinutes(-6)), Ct);
        }

        var old = await Http.PostAsync($"/api/v1/operations/{preview["id"]}/apply", null, Ct);

        Assert.Equal(HttpStatusCode.Gone, old.StatusCode);
        var problem = JsonNode.Parse(await old.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("https://portal.example/problems/gone", (string)problem["type"]!);
        Assert.Contains("Review the change again", (string)problem["detail"]!);
        await using var after = App.CreateDbContext();
        Assert.Equal(0, await after.Operations.CountAsync(o => o.Kind == OperationKind.Update, Ct));
    }

    [Fact]
    public async Task ApplyPreview_NotAPreview_Answers409()
    {
        var created = await Http.CreateClusterAsync(new { name = "plain" });
        var create = await Http.WaitForOperationAsync((string)created["operation"]!["id"]!);

        var response = await Http.PostAsync($"/api/v1/operations/{create["id"]}/apply", null, Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("not a preview", (string)JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["detail"]!);
    }

    [Fact]
    public async Task ApplyPreview_UnknownOperation_Answers404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PostAsync($"/api/v1/operations/{Guid.NewGuid()}/apply", null, Ct)).StatusCode);
    }

    [Fact]
    public async Task PreviewCluster_InvalidOrTimeToLiveBody_Answers400NamingTheFieldAndEnqueuesNothing()
    {
        await ReadyClusterAsync("checked");

        var tooMany = await Http.PostAsJsonAsync("/api/v1/clusters/checked/preview", new { clientCount = 51 }, Ct);
        var ttl = await Http.PostAsJsonAsync("/api/v1/clusters/checked/preview", new { timeToLiveHours = 5 }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.NotNull(JsonNode.Parse(await tooMany.Content.ReadAsStringAsync(Ct))!["errors"]!["clientCount"]);
        Assert.Equal(HttpStatusCode.BadRequest, ttl.StatusCode);
        Assert.Contains("PATCH it directly", (string)JsonNode.Parse(await ttl.Content.ReadAsStringAsync(Ct))!["errors"]!["timeToLiveHours"]![0]!);
        await using var db = App.CreateDbContext();
        Assert.Equal(0, await db.Operations.CountAsync(o => o.Kind == OperationKind.Preview, Ct));
    }

    [Theory]
    [InlineData("00:00:30")]
    [InlineData("8.00:00:00")]
    public void Startup_PreviewLifetimeOutOfRange_StopsWithTheOptionNamed(string lifetime)
    {
        App.Settings["Previews:Lifetime"] = lifetime;

        var error = Assert.ThrowsAny<Exception>(() => App.CreateApiClient());

        Assert.Contains("Lifetime", error.ToString());
    }

    private async Task<JsonObject> PreviewAsync(string name, object change)
    {
        var response = await Http.PostAsJsonAsync($"/api/v1/clusters/{name}/preview", change, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        return await Http.WaitForOperationAsync((string)body["operation"]!["id"]!);
    }

    private async Task ReadyClusterAsync(string name)
    {
        var created = await Http.CreateClusterAsync(new { name });
        Assert.Equal("succeeded", (string)(await Http.WaitForOperationAsync((string)created["operation"]!["id"]!))["state"]!);
    }
}
