using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using TestSupport.Portal;

namespace Portal.Tests.Api;

public sealed class IdempotencyTests : IAsyncDisposable
{
    private readonly PortalAppFactory _app = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Fact]
    public async Task CreateCluster_TenConcurrentRequestsWithOneKey_CreateOneClusterAndAnswerIdentically()
    {
        var http = _app.CreateApiClient();
        const string body = """{"name":"once","team":"platform","clientCount":3}""";

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => PostAsync(http, "/api/v1/clusters", "key-once", body)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.Status));
        Assert.Single(responses.Select(r => (r.Status, r.Location, r.Body)).Distinct());
        Assert.StartsWith("/api/v1/operations/", responses[0].Location);
        await using var db = _app.CreateDbContext();
        Assert.Equal(1, await db.Clusters.CountAsync(Ct));
        Assert.Equal(1, await db.Operations.CountAsync(Ct));
    }

    [Fact]
    public async Task CreateCluster_SameKeyLater_ReplaysTheFirstResponse()
    {
        var http = _app.CreateApiClient();
        var first = await PostAsync(http, "/api/v1/clusters", "key-replay", """{"name":"replayed","team":"platform"}""");
        await http.WaitForOperationAsync((string)JsonNode.Parse(first.Body)!["operation"]!["id"]!);

        var again = await PostAsync(http, "/api/v1/clusters", "key-replay", """{"name":"replayed","team":"platform"}""");

        Assert.Equal(first, again with { Replayed = false });
        Assert.True(again.Replayed);
        Assert.Equal("requested", (string)JsonNode.Parse(again.Body)!["cluster"]!["status"]!); // the original answer, not today's state
    }

    [Fact]
    public async Task CreateCluster_SameKeySameJsonReformatted_ReplaysTheFirstResponse()
    {
        var http = _app.CreateApiClient();
        var first = await PostAsync(http, "/api/v1/clusters", "key-reformatted", """{"name":"reformatted","team":"platform","simulation":null}""");

        var again = await PostAsync(http, "/api/v1/clusters", "key-reformatted", """
            {
              "team": "platform",
              "simulation": null,
              "name": "reformatted"
            }
            """);

        Assert.Equal(first, again with { Replayed = false });
        Assert.True(again.Replayed);
        await using var db = _app.CreateDbContext();
        Assert.Equal(1, await db.Clusters.CountAsync(Ct));
    }

    [Fact]
    public async Task CreateCluster_SameKeyDifferentBody_Answers422AndCreatesNothingMore()
    {
        var http = _app.CreateApiClient();
        await PostAsync(http, "/api/v1/clusters", "key-reused", """{"name":"first-body","team":"platform"}""");

        var response = await PostAsync(http, "/api/v1/clusters", "key-reused", """{"name":"second-body","team":"platform"}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.Equal("https://portal.example/problems/idempotency-key-reused", (string)JsonNode.Parse(response.Body)!["type"]!);
        await using var db = _app.CreateDbContext();
        Assert.Equal(["first-body"], await db.Clusters.Select(c => c.Name).ToListAsync(Ct));
    }

    [Fact]
    public async Task CreateCluster_KeyOlderThan24Hours_IsForgottenAndCanBeUsedAgain()
    {
        var http = _app.CreateApiClient();
        await PostAsync(http, "/api/v1/clusters", "key-old", """{"name":"yesterday","team":"platform"}""");
        await using (var db = _app.CreateDbContext())
        {
            var record = await db.IdempotencyKeys.SingleAsync(Ct);
            record.CreatedAt -= TimeSpan.FromHours(25);
            await db.SaveChangesAsync(Ct);
        }

        var response = await PostAsync(http, "/api/v1/clusters", "key-old", """{"name":"today","team":"platform"}""");

        Assert.Equal(HttpStatusCode.Accepted, response.Status);
        Assert.False(response.Replayed);
        await using var after = _app.CreateDbContext();
        Assert.Equal(["today", "yesterday"], await after.Clusters.Select(c => c.Name).OrderBy(n => n).ToListAsync(Ct));
    }

    [Fact]
    public async Task CreateCluster_InvalidRequestWithKey_ReplaysTheSameProblem()
    {
        var http = _app.CreateApiClient();

        var first = await PostAsync(http, "/api/v1/clusters", "key-invalid", """{"name":"X","team":"platform"}""");
        var second = await PostAsync(http, "/api/v1/clusters", "key-invalid", """{"name":"X","team":"platform"}""");

        Assert.Equal(HttpStatusCode.BadRequest, first.Status);
        Assert.Equal(first, second with { Replayed = false });
    }

    [Fact]
    public async Task RetryOperation_TwiceWithOneKey_EnqueuesOneRetry()
    {
        var http = _app.CreateApiClient();
        var created = await http.CreateClusterAsync(new { name = "retried", simulation = new { failResource = "serverGroupA" } });
        var failed = await http.WaitForOperationAsync((string)created["operation"]!["id"]!);

        var first = await PostAsync(http, $"/api/v1/operations/{failed["id"]}/retry", "key-retry", null);
        var second = await PostAsync(http, $"/api/v1/operations/{failed["id"]}/retry", "key-retry", null);

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal(first, second with { Replayed = false });
        await using var db = _app.CreateDbContext();
        Assert.Equal(2, await db.Operations.CountAsync(Ct));
    }

    [Fact]
    public async Task CreateCluster_ReplayAfterTheCallerLeftTheTeam_Answers404WithoutTheCluster()
    {
        var admin = _app.CreateApiClient();
        await admin.CreateMemberAsync("leaver@portal.test", "Leaver-password-2026", "team-a");
        using var member = await Personas.SignInAsync(_app, "leaver@portal.test", "Leaver-password-2026");
        const string body = """{"name":"left-behind","team":"team-a"}""";
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(member, "/api/v1/clusters", "key-leaver", body)).Status);
        Assert.True((await admin.DeleteAsync("/api/v1/teams/team-a/members?email=leaver@portal.test", Ct)).IsSuccessStatusCode);

        var replay = await PostAsync(member, "/api/v1/clusters", "key-leaver", body);

        Assert.Equal(HttpStatusCode.NotFound, replay.Status);
        Assert.Equal("application/problem+json", replay.ContentType);
        Assert.DoesNotContain("left-behind", replay.Body);
        Assert.Null(replay.Location);
        await using var db = _app.CreateDbContext();
        Assert.Equal(1, await db.Clusters.CountAsync(Ct));
    }

    private sealed record Reply(HttpStatusCode Status, string? Location, string? ContentType, string Body, bool Replayed);

    private static async Task<Reply> PostAsync(HttpClient http, string url, string key, string? body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Headers.Add("Idempotency-Key", key);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request, Ct);
        return new Reply(response.StatusCode, response.Headers.Location?.ToString(), response.Content.Headers.ContentType?.MediaType,
            await response.Content.ReadAsStringAsync(Ct), response.Headers.Contains("Idempotent-Replayed"));
    }
}
