using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Snapshots;
using TestSupport.Portal;

namespace Portal.Tests.Api;

/// <summary>Snapshots of a simulated cluster over the API: listed, taken now, restored into their datacenter by owners, audited.</summary>
public sealed class SnapshotApiTests : PortalApiTest
{
    private const string Cluster = "keeper", Password = "Snapshot-password-2026";
    private const string OwnerEmail = "owner@portal.test", MemberEmail = "member@portal.test", OtherEmail = "other@portal.test";

    [Fact]
    public async Task ListSnapshots_NewCluster_IsEmpty()
    {
        await ReadyClusterAsync();

        var list = await Http.GetJsonAsync($"/api/v1/clusters/{Cluster}/snapshots");

        Assert.Empty(list["items"]!.AsArray());
    }

    [Fact]
    public async Task TakeSnapshot_Now_SavesOneOfEachDatacenter()
    {
        var zones = await ReadyClusterAsync();

        var response = await Http.PostAsync($"/api/v1/clusters/{Cluster}/snapshots", null, Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("snapshot", (string)body["operation"]!["kind"]!);
        Assert.Equal("succeeded", (string)(await Http.WaitForOperationAsync((string)body["operation"]!["id"]!))["state"]!);
        var items = (await Http.GetJsonAsync($"/api/v1/clusters/{Cluster}/snapshots"))["items"]!.AsArray().Select(i => i!.AsObject()).ToList();
        Assert.Equal(zones.Order(), items.Select(i => (string)i["datacenter"]!).Order());
        Assert.All(items, i =>
        {
            Assert.Equal("manual", (string)i["reason"]!);
            Assert.True((long)i["sizeBytes"]! > 0);
            Assert.True(DateTimeOffset.UtcNow - (DateTimeOffset)i["takenAt"]! < TimeSpan.FromMinutes(1));
            Assert.False(string.IsNullOrEmpty((string?)i["id"]));
        });
    }

    [Fact]
    public async Task RestoreSnapshot_OwnerTypingItsDatacenter_RunsARestoreAndIsAudited()
    {
        var snapshot = await SnapshotAsync();
        using var owner = await Personas.SignInAsync(App, OwnerEmail, Password);

        var response = await RestoreAsync(owner, (string)snapshot["id"]!, (string)snapshot["datacenter"]!);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("restore", (string)body["operation"]!["kind"]!);
        var operation = await Http.WaitForOperationAsync((string)body["operation"]!["id"]!);
        Assert.Equal("succeeded", (string)operation["state"]!);
        var events = await Http.AllEventsAsync((string)operation["id"]!);
        Assert.Contains(events, e => (string?)e["resource"]?["op"] == "restore" && (string)e["type"]! == "resource-succeeded");
        var entry = Assert.Single(await AuditAsync(SnapshotCommands.RestoreAction));
        Assert.Equal((OwnerEmail, "success"), ((string)entry["actorName"]!, (string)entry["outcome"]!));
        Assert.Contains((string)snapshot["id"]!, (string)entry["details"]!);
        Assert.Equal("ready", (string)(await Http.GetJsonAsync($"/api/v1/clusters/{Cluster}"))["status"]!);
    }

    [Fact]
    public async Task RestoreSnapshot_OtherDatacenterTyped_Answers400NamingTheFieldAndEnqueuesNothing()
    {
        var snapshot = await SnapshotAsync();
        var other = (await Http.GetJsonAsync($"/api/v1/clusters/{Cluster}"))["spec"]!["availabilityZones"]!.AsArray()
            .Select(z => (string)z!).Single(z => z != (string)snapshot["datacenter"]!);

        var response = await RestoreAsync(Http, (string)snapshot["id"]!, other);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (string)JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["errors"]!["datacenter"]![0]!;
        Assert.Contains($"type {snapshot["datacenter"]}", error);
        Assert.DoesNotContain((await Http.GetJsonAsync($"/api/v1/clusters/{Cluster}/operations"))["items"]!.AsArray(), o => (string)o!["kind"]! == "restore");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("  ")]
    public async Task RestoreSnapshot_NoDatacenter_Answers400(string? datacenter)
    {
        var snapshot = await SnapshotAsync();

        var response = await RestoreAsync(Http, (string)snapshot["id"]!, datacenter);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["errors"]!["datacenter"]);
    }

    [Fact]
    public async Task RestoreSnapshot_UnknownId_Answers404()
    {
        var snapshot = await SnapshotAsync();

        var response = await RestoreAsync(Http, "eu-west-1a-20200101T000000000Z-0000", (string)snapshot["datacenter"]!);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task RestoreSnapshot_PlainMember_Answers403AndIsAuditedAsDenied()
    {
        var snapshot = await SnapshotAsync();
        using var member = await Personas.SignInAsync(App, MemberEmail, Password);

        var response = await RestoreAsync(member, (string)snapshot["id"]!, (string)snapshot["datacenter"]!);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("denied", (string)Assert.Single(await AuditAsync(SnapshotCommands.RestoreAction))["outcome"]!);
    }

    [Fact]
    public async Task Snapshots_AnotherTeam_Answer404()
    {
        var snapshot = await SnapshotAsync();
        using var other = await Personas.SignInAsync(App, OtherEmail, Password);

        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/v1/clusters/{Cluster}/snapshots", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsync($"/api/v1/clusters/{Cluster}/snapshots", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await RestoreAsync(other, (string)snapshot["id"]!, (string)snapshot["datacenter"]!)).StatusCode);
    }

    [Fact]
    public void SnapshotOptions_OutOfRange_FailAtStartUp()
    {
        App.Settings["Snapshots:Interval"] = "00:01:00";
        App.Settings["Snapshots:RetentionDays"] = "0";

        // Starting the host validates the options (ValidateOnStart): the portal refuses to start.
        var started = Assert.ThrowsAny<Exception>(() => App.Services.GetRequiredService<IOptions<SnapshotOptions>>().Value);

        var failures = (started is AggregateException aggregate ? aggregate.InnerExceptions : [started])
            .OfType<OptionsValidationException>().Where(e => e.OptionsType == typeof(SnapshotOptions)).SelectMany(e => e.Failures).ToList();
        Assert.Contains(failures, f => f.Contains("Snapshots:Interval"));
        Assert.Contains(failures, f => f.Contains("Snapshots:RetentionDays"));
    }

    private async Task<IReadOnlyList<string>> ReadyClusterAsync()
    {
        await Http.CreateMemberAsync(OwnerEmail, Password, "team-a", "owner");
        await Http.CreateMemberAsync(MemberEmail, Password, "team-a");
        await Http.CreateMemberAsync(OtherEmail, Password, "team-b");
        var created = await Http.CreateClusterAsync(new { name = Cluster, team = "team-a" });
        Assert.Equal("succeeded", (string)(await Http.WaitForOperationAsync((string)created["operation"]!["id"]!))["state"]!);
        return created["cluster"]!["spec"]!["availabilityZones"]!.AsArray().Select(z => (string)z!).ToList();
    }

    /// <summary>A ready cluster with one manual snapshot of each datacenter; the primary's.</summary>
    private async Task<JsonObject> SnapshotAsync()
    {
        var zones = await ReadyClusterAsync();
        var body = JsonNode.Parse(await (await Http.PostAsync($"/api/v1/clusters/{Cluster}/snapshots", null, Ct)).Content.ReadAsStringAsync(Ct))!;
        await Http.WaitForOperationAsync((string)body["operation"]!["id"]!);
        return (await Http.GetJsonAsync($"/api/v1/clusters/{Cluster}/snapshots"))["items"]!.AsArray()
            .Select(i => i!.AsObject()).Single(i => (string)i["datacenter"]! == zones[0]);
    }

    private static Task<HttpResponseMessage> RestoreAsync(HttpClient client, string id, string? datacenter) =>
        client.PostAsJsonAsync($"/api/v1/clusters/{Cluster}/snapshots/{id}/restore", new { datacenter }, Ct);

    private async Task<List<JsonObject>> AuditAsync(string action) =>
        (await Http.GetJsonAsync($"/api/v1/audit?action={action}&target={Cluster}"))["items"]!.AsArray().Select(e => e!.AsObject()).ToList();
}
