using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Clusters;
using TestSupport.Portal;

namespace Portal.Tests.Api;

/// <summary>A rolling upgrade that stops on an injected health failure, and continuing or rolling back from there.</summary>
public sealed class RolloutApiTests : PortalApiTest
{
    private const string Cluster = "rolling", Password = "Rollout-password-2026";
    private const string OwnerEmail = "owner@portal.test", MemberEmail = "member@portal.test";

    [Fact]
    public async Task Upgrade_InjectedHealthFailure_StopsDegradedWithTheReasonAfterPreUpgradeSnapshots()
    {
        var operation = await StoppedRolloutAsync();

        Assert.Equal("failed", (string)operation["state"]!);
        // The rollout's steps count in the progress: two snapshots, six servers and five clients beside the plan.
        Assert.True((int)operation["progress"]!["done"]! <= (int)operation["progress"]!["total"]!);
        var cluster = await Http.GetJsonAsync($"/api/v1/clusters/{Cluster}");
        Assert.Equal("degraded", (string)cluster["status"]!);
        Assert.Equal("2.0.4", (string)cluster["spec"]!["consulVersion"]!);
        var rollout = await Http.GetJsonAsync($"/api/v1/clusters/{Cluster}/rollout");
        Assert.Equal("stopped", (string)rollout["state"]!);
        Assert.Equal(("2.0.4", "2.1.0"), ((string)rollout["fromVersion"]!, (string)rollout["toVersion"]!));
        Assert.Contains((string)rollout["node"]!, (string)rollout["reason"]!);
        Assert.Equal((string)operation["error"]!, (string)rollout["reason"]!);
        var events = await Http.AllEventsAsync((string)operation["id"]!);
        var servers = events.Where(e => (string?)e["resource"]?["type"] == "consul:server").ToList();
        Assert.Equal(2, servers.Count(e => (string)e["type"]! == "resource-started"));
        Assert.Equal("resource-failed", (string)servers[^1]["type"]!);
        Assert.Equal((string)rollout["replaced"]!, (string)servers[^1]["resource"]!["name"]!);
        Assert.DoesNotContain(events, e => (string?)e["resource"]?["type"] == "consul:client" && (string?)e["resource"]?["op"] == "replace");
        var snapshots = (await Http.GetJsonAsync($"/api/v1/clusters/{Cluster}/snapshots"))["items"]!.AsArray();
        Assert.Equal(2, snapshots.Count(s => (string)s!["reason"]! == "pre-upgrade"));
    }

    [Fact]
    public async Task Continue_StoppedRollout_FinishesTheUpgradeAndIsAudited()
    {
        await StoppedRolloutAsync();
        using var owner = await Personas.SignInAsync(App, OwnerEmail, Password);

        var response = await owner.PostAsync($"/api/v1/clusters/{Cluster}/rollout/continue", null, Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("rollout-continue", (string)body["operation"]!["kind"]!);
        Assert.Equal("succeeded", (string)(await Http.WaitForOperationAsync((string)body["operation"]!["id"]!))["state"]!);
        var cluster = await Http.GetJsonAsync($"/api/v1/clusters/{Cluster}");
        Assert.Equal("ready", (string)cluster["status"]!);
        Assert.Equal("2.1.0", (string)cluster["spec"]!["consulVersion"]!);
        Assert.All(ServerVersions(cluster), v => Assert.Equal("2.1.0", v));
        Assert.Equal("finished", (string)(await Http.GetJsonAsync($"/api/v1/clusters/{Cluster}/rollout"))["state"]!);
        var done = await Http.GetJsonAsync($"/api/v1/operations/{body["operation"]!["id"]}");
        Assert.Equal((int)done["progress"]!["total"]!, (int)done["progress"]!["done"]!);
        var entry = Assert.Single(await AuditAsync(ClusterRollouts.ContinueAction));
        Assert.Equal((OwnerEmail, "success"), ((string)entry["actorName"]!, (string)entry["outcome"]!));
    }

    [Fact]
    public async Task RollBack_StoppedRollout_ReturnsEveryServerToTheOldVersion()
    {
        await StoppedRolloutAsync();

        var response = await Http.PostAsync($"/api/v1/clusters/{Cluster}/rollout/rollback", null, Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("rollout-rollback", (string)body["operation"]!["kind"]!);
        Assert.Equal("succeeded", (string)(await Http.WaitForOperationAsync((string)body["operation"]!["id"]!))["state"]!);
        var cluster = await Http.GetJsonAsync($"/api/v1/clusters/{Cluster}");
        Assert.Equal("ready", (string)cluster["status"]!);
        Assert.Equal("2.0.4", (string)cluster["spec"]!["consulVersion"]!);
        Assert.All(ServerVersions(cluster), v => Assert.Equal("2.0.4", v));
        Assert.Single(await AuditAsync(ClusterRollouts.RollbackAction));
    }

    [Fact]
    public async Task Continue_PlainMember_Answers403AndIsAuditedAsDenied()
    {
        await StoppedRolloutAsync();
        using var member = await Personas.SignInAsync(App, MemberEmail, Password);

        var response = await member.PostAsync($"/api/v1/clusters/{Cluster}/rollout/continue", null, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("owners of team 'team-a'", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("denied", (string)Assert.Single(await AuditAsync(ClusterRollouts.ContinueAction))["outcome"]!);
        Assert.Equal("stopped", (string)(await Http.GetJsonAsync($"/api/v1/clusters/{Cluster}/rollout"))["state"]!);
    }

    [Theory]
    [InlineData("continue")]
    [InlineData("rollback")]
    public async Task Decide_NothingStopped_Answers409(string decision)
    {
        await Http.CreateMemberAsync(OwnerEmail, Password, "team-a", "owner");
        await Http.WaitForOperationAsync((string)(await Http.CreateClusterAsync(new { name = Cluster, team = "team-a" }))["operation"]!["id"]!);

        var response = await Http.PostAsync($"/api/v1/clusters/{Cluster}/rollout/{decision}", null, Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("not stopped", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("none", (string)(await Http.GetJsonAsync($"/api/v1/clusters/{Cluster}/rollout"))["state"]!);
    }

    [Fact]
    public async Task CreateCluster_FailReplacementZero_Answers400NamingTheField()
    {
        var response = await Http.PostAsJsonAsync("/api/v1/clusters", new { name = Cluster, simulation = new { failReplacement = 0 } }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["errors"]!["simulation.failReplacement"]);
    }

    /// <summary>A cluster on 2.0.4 whose upgrade to 2.1.0 stopped at its second replacement; the update operation.</summary>
    private async Task<JsonObject> StoppedRolloutAsync()
    {
        await Http.CreateMemberAsync(OwnerEmail, Password, "team-a", "owner");
        await Http.CreateMemberAsync(MemberEmail, Password, "team-a");
        var created = await Http.CreateClusterAsync(new { name = Cluster, team = "team-a", consulVersion = "2.0.4", simulation = new { failReplacement = 2 } });
        Assert.Equal("succeeded", (string)(await Http.WaitForOperationAsync((string)created["operation"]!["id"]!))["state"]!);
        return await Http.UpdateClusterAsync(Cluster, """{"consulVersion":"2.1.0"}""");
    }

    private static IEnumerable<string> ServerVersions(JsonObject cluster) =>
        cluster["outputs"]!["servers"]!.AsObject().SelectMany(dc => dc.Value!.AsArray()).Select(s => (string)s!["consulVersion"]!);

    private async Task<List<JsonObject>> AuditAsync(string action) =>
        (await Http.GetJsonAsync($"/api/v1/audit?action={action}&target={Cluster}"))["items"]!.AsArray().Select(e => e!.AsObject()).ToList();
}
