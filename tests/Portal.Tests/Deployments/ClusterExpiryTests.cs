using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using Portal.Data;
using TestSupport.Portal;

namespace Portal.Tests.Deployments;

/// <summary>
/// The time to live on a clock the test moves (FakeTimeProvider is the portal's TimeProvider): the expiry is shown and
/// extended, the team is reminded a day and an hour before, and the portal destroys the cluster when it is due. The
/// expiry service runs on its own timer, so each step moves the clock and waits for what the service must do.
/// </summary>
public sealed class ClusterExpiryTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Start);
    private readonly PortalAppFactory _app;
    private readonly HttpClient _http;

    public ClusterExpiryTests()
    {
        _app = new PortalAppFactory { Time = _clock };
        _http = _app.CreateApiClient();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task TimeToLive_Created_ShowsTheExpiryOnTheClusterAndInTheList()
    {
        await ReadyAsync("brief", 30);
        await ReadyAsync("kept", null);

        var cluster = await _http.GetJsonAsync("/api/v1/clusters/brief");
        var list = (await _http.GetJsonAsync("/api/v1/clusters"))["items"]!.AsArray();

        Assert.Equal(Start.AddHours(30), cluster["expiresAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal(Start.AddHours(30), list.Single(c => (string)c!["name"]! == "brief")!["expiresAt"]!.GetValue<DateTimeOffset>());
        Assert.Null(list.Single(c => (string)c!["name"]! == "kept")!["expiresAt"]);
    }

    [Fact]
    public async Task PatchTimeToLive_Alone_Answers200WithTheNewExpiryAndRunsNoOperation()
    {
        await ReadyAsync("extended", 2);
        var etag = (await _http.GetAsync("/api/v1/clusters/extended", Ct)).Headers.ETag!.Tag;
        _clock.Advance(TimeSpan.FromHours(1));

        var response = await PatchAsync("extended", """{"timeToLiveHours":48}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal(Start.AddHours(49), body["expiresAt"]!.GetValue<DateTimeOffset>());
        Assert.NotEqual(etag, response.Headers.ETag!.Tag);
        Assert.Equal(Start.AddHours(49), (await _http.GetJsonAsync("/api/v1/clusters/extended"))["expiresAt"]!.GetValue<DateTimeOffset>());
        await using var db = _app.CreateDbContext();
        Assert.Equal([OperationKind.Create], await db.Operations.Select(o => o.Kind).ToListAsync(Ct));
        var audit = Assert.Single((await _http.GetJsonAsync("/api/v1/audit?action=cluster.expiry.set"))["items"]!.AsArray());
        Assert.Equal("extended", (string)audit!["targetId"]!);
    }

    [Theory]
    [InlineData("""{"timeToLiveHours":-5}""", "timeToLiveHours")]
    [InlineData("""{"timeToLiveHours":0}""", "timeToLiveHours")]
    [InlineData("""{"timeToLiveHours":721}""", "timeToLiveHours")]
    [InlineData("""{"timeToLiveHours":-5,"clientCount":6}""", "timeToLiveHours")]
    [InlineData("""{"timeToLiveHours":24,"clientCount":-1}""", "clientCount")]
    [InlineData("""{"clientCount":51}""", "clientCount")]
    public async Task PatchCluster_ValueOutOfRange_Answers400NamingTheFieldAndChangesNothing(string patch, string field)
    {
        await ReadyAsync("bounded", 10);

        var response = await PatchAsync("bounded", patch);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["errors"]!.AsObject();
        Assert.Contains("between", (string)errors[field]![0]!);
        var cluster = await _http.GetJsonAsync("/api/v1/clusters/bounded");
        Assert.Equal(Start.AddHours(10), cluster["expiresAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal(5, (int)cluster["spec"]!["clientCount"]!);
        await using var db = _app.CreateDbContext();
        Assert.Equal(1, await db.Operations.CountAsync(Ct));
    }

    [Theory]
    [InlineData("""{"name":"refused","timeToLiveHours":-5}""", "timeToLiveHours")]
    [InlineData("""{"name":"refused","timeToLiveHours":721}""", "timeToLiveHours")]
    [InlineData("""{"name":"refused","clientCount":-1}""", "clientCount")]
    [InlineData("""{"name":"refused","clientCount":51}""", "clientCount")]
    public async Task CreateCluster_ValueOutOfRange_Answers400NamingTheFieldNeverClamping(string request, string field)
    {
        var json = JsonNode.Parse(request)!.AsObject();
        json["team"] = PortalAppFactory.DefaultTeam;

        var response = await _http.PostAsJsonAsync("/api/v1/clusters", json, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["errors"]![field]);
        await using var db = _app.CreateDbContext();
        Assert.Equal(0, await db.Clusters.CountAsync(Ct));
    }

    [Fact]
    public async Task ClusterExpiry_ClockPassesTheReminders_RemindsTheTeamOnceEachThenDestroysTheClusterAsTheSystem()
    {
        await ReadyAsync("short-lived", 30);
        await ReadyAsync("forever", null);

        _clock.Advance(TimeSpan.FromHours(5)); // 25 h left: nothing yet
        await ExpiryPassAsync();
        Assert.Empty(await RemindersAsync());

        _clock.Advance(TimeSpan.FromHours(2)); // 23 h left
        Assert.Equal(["24h"], await WaitForRemindersAsync(1));
        _clock.Advance(TimeSpan.FromHours(1)); // another pass: raised once
        await ExpiryPassAsync();
        Assert.Equal(["24h"], await RemindersAsync());

        _clock.Advance(TimeSpan.FromHours(21) + TimeSpan.FromMinutes(30)); // 30 min left
        Assert.Equal(["24h", "1h"], await WaitForRemindersAsync(2));
        var audit = (await _http.GetJsonAsync("/api/v1/audit?action=cluster.expiry.reminder"))["items"]!.AsArray();
        Assert.Equal(2, audit.Count);
        Assert.All(audit, e => Assert.Equal(("system", "short-lived", PortalAppFactory.DefaultTeam), ((string)e!["actorType"]!, (string)e["targetId"]!, (string)e["team"]!)));
        Assert.Equal("ready", (string)(await _http.GetJsonAsync("/api/v1/clusters/short-lived"))["status"]!);

        _clock.Advance(TimeSpan.FromMinutes(31)); // past the expiry
        var destroy = await WaitForDestroyAsync("short-lived");

        Assert.Equal("succeeded", (string)(await _http.WaitForOperationAsync((string)destroy["id"]!))["state"]!);
        Assert.Equal("destroyed", (string)(await _http.GetJsonAsync("/api/v1/clusters/short-lived"))["status"]!);
        Assert.Equal("ready", (string)(await _http.GetJsonAsync("/api/v1/clusters/forever"))["status"]!);
        var entry = Assert.Single((await _http.GetJsonAsync("/api/v1/audit?action=cluster.destroy"))["items"]!.AsArray());
        Assert.Equal(("system", "short-lived"), ((string)entry!["actorType"]!, (string)entry["targetId"]!));
    }

    [Fact]
    public async Task ClusterExpiry_ExtendedAfterAReminder_RemindsAgainForTheNewExpiryOnly()
    {
        await ReadyAsync("renewed", 2);
        Assert.Equal(["24h"], await WaitForRemindersAsync(1, advance: true));

        Assert.Equal(HttpStatusCode.OK, (await PatchAsync("renewed", """{"timeToLiveHours":72}""")).StatusCode);
        _clock.Advance(TimeSpan.FromHours(49)); // 23 h before the new expiry
        Assert.Equal(["24h", "24h"], await WaitForRemindersAsync(2));

        await using var db = _app.CreateDbContext();
        Assert.Equal(2, await db.ExpiryReminders.Select(r => r.ExpiresAt).Distinct().CountAsync(Ct));
        Assert.Equal("ready", (string)(await _http.GetJsonAsync("/api/v1/clusters/renewed"))["status"]!);
    }

    private async Task ReadyAsync(string name, int? hours)
    {
        var created = await _http.CreateClusterAsync(new { name, timeToLiveHours = hours });
        Assert.Equal("succeeded", (string)(await _http.WaitForOperationAsync((string)created["operation"]!["id"]!))["state"]!);
    }

    private async Task<HttpResponseMessage> PatchAsync(string name, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/clusters/{name}") { Content = new StringContent(body, Encoding.UTF8, "application/merge-patch+json") };
        return await _http.SendAsync(request, Ct);
    }

    /// <summary>Moves the clock past the service's next tick and lets the pass it starts finish.</summary>
    private async Task ExpiryPassAsync()
    {
        _clock.Advance(TimeSpan.FromMinutes(1));
        await Task.Delay(300, Ct);
    }

    private async Task<List<string>> RemindersAsync()
    {
        await using var db = _app.CreateDbContext();
        return (await db.ExpiryReminders.OrderBy(r => r.Id).Select(r => r.Kind).ToListAsync(Ct));
    }

    /// <summary>Ticks the service (a minute at a time) until it has raised <paramref name="count"/> reminders.</summary>
    private async Task<List<string>> WaitForRemindersAsync(int count, bool advance = true)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await RemindersAsync() is { } raised && raised.Count >= count) return raised;
            if (advance) _clock.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(100, Ct);
        }
        return await RemindersAsync();
    }

    private async Task<JsonObject> WaitForDestroyAsync(string name)
    {
        for (var i = 0; i < 100; i++)
        {
            var latest = (await _http.GetJsonAsync($"/api/v1/clusters/{name}/operations?limit=1"))["items"]![0]!.AsObject();
            if ((string)latest["kind"]! == "destroy") return latest;
            _clock.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(100, Ct);
        }
        Assert.Fail($"The portal did not destroy {name} after its expiry.");
        return null!;
    }
}
