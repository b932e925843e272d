using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using TestSupport.Portal;

namespace Portal.Tests.Api;

/// <summary>What a generic HTTP client relies on (RFC 9110): Locations that answer, HEAD, OPTIONS, conditional reads, challenges, problems.</summary>
public sealed class HttpSemanticsTests : PortalApiTest
{
    [Fact]
    public async Task Location_OfCreatedTeam_AnswersGetWithTheTeam()
    {
        var created = await Http.PostAsJsonAsync("/api/v1/teams", new { name = "search-team" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var team = await Http.GetJsonAsync(created.Headers.Location!.ToString());

        Assert.Equal("search-team", (string)team["name"]!);
        Assert.Equal("search-team", (string)team["displayName"]!);
    }

    [Fact]
    public async Task Location_OfCreatedUser_AnswersGetWithTheAccount()
    {
        var created = await Http.PostAsJsonAsync("/api/v1/users", new { email = "lena@portal.test", password = "Lena-password-2026", displayName = "Lena" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = JsonNode.Parse(await created.Content.ReadAsStringAsync(Ct))!;

        var user = await Http.GetJsonAsync(created.Headers.Location!.ToString());

        Assert.Equal((string)body["id"]!, (string)user["id"]!);
        Assert.Equal("lena@portal.test", (string)user["email"]!);
        Assert.False((bool)user["isAdmin"]!);
    }

    [Fact]
    public async Task Location_OfCreatedToken_AnswersGetWithoutTheSecret()
    {
        var created = await Http.PostAsJsonAsync("/api/v1/tokens", new { name = "ci", scopes = new[] { "clusters:read" } }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var secret = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync(Ct))!["token"]!;

        var response = await Http.GetAsync(created.Headers.Location, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ci", (string)JsonNode.Parse(text)!["name"]!);
        Assert.DoesNotContain(secret, text);
    }

    [Fact]
    public async Task Location_OfAnotherPersonsToken_IsNotFound()
    {
        var created = await Http.PostAsJsonAsync("/api/v1/tokens", new { name = "admins", scopes = new[] { "clusters:read" } }, Ct);
        await Http.CreateMemberAsync("dana@portal.test", "Dana-password-2026", PortalAppFactory.DefaultTeam);
        using var member = await Personas.SignInAsync(App, "dana@portal.test", "Dana-password-2026");

        var response = await member.GetAsync(created.Headers.Location, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Location_OfEveryCreatedResource_AnswersGet()
    {
        var cluster = await Http.PostAsJsonAsync("/api/v1/clusters", new { name = "located", team = PortalAppFactory.DefaultTeam }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, cluster.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync(cluster.Headers.Location, Ct)).StatusCode);
    }

    [Theory]
    [InlineData("/api/v1/clusters")]
    [InlineData("/api/v1/teams/platform")]
    [InlineData("/api/v1/catalog")]
    [InlineData("/api/v1/clusters/missing")]
    public async Task Head_WhereGetAnswers_AnswersTheSameStatusAndHeadersWithoutABody(string url)
    {
        var get = await Http.GetAsync(url, Ct);
        var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, url), Ct);

        Assert.Equal(get.StatusCode, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task Head_OnACluster_CarriesItsETag()
    {
        var created = await Http.CreateClusterAsync(new { name = "headed" });
        await Http.WaitForOperationAsync((string)created["operation"]!["id"]!); // settled: its ETag no longer moves
        var get = await Http.GetAsync("/api/v1/clusters/headed", Ct);

        var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/v1/clusters/headed"), Ct);

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(get.Headers.ETag, head.Headers.ETag);
    }

    [Theory]
    [InlineData("/api/v1/clusters/any", "GET, HEAD, PATCH, DELETE, OPTIONS")]
    [InlineData("/api/v1/clusters", "POST, GET, HEAD, OPTIONS")]
    [InlineData("/api/v1/tokens/8b0e0a59-6c1f-4a47-9a0e-3f7f3b1b2c3d", "GET, HEAD, DELETE, OPTIONS")]
    public async Task Options_OnAnApiResource_Answers204WithAllow(string url, string allow)
    {
        var response = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Options, url), Ct);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(string.Join(", ", Methods(allow)), string.Join(", ", Methods(string.Join(", ", response.Content.Headers.Allow))));
    }

    [Fact]
    public async Task MethodNotAllowed_Answers405ProblemWithAllowIncludingHead()
    {
        var response = await Http.PutAsync("/api/v1/clusters/any", JsonContent.Create(new { }), Ct);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("HEAD", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task IfNoneMatch_CurrentClusterETag_Answers304WithoutBody()
    {
        var created = await Http.CreateClusterAsync(new { name = "cached" });
        await Http.WaitForOperationAsync((string)created["operation"]!["id"]!); // settled: its ETag no longer moves
        var first = await Http.GetAsync("/api/v1/clusters/cached", Ct);

        var again = await Conditional("/api/v1/clusters/cached", first.Headers.ETag!.Tag);
        var stale = await Conditional("/api/v1/clusters/cached", "\"someone-else\"");

        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Equal(first.Headers.ETag, again.Headers.ETag);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
    }

    [Fact]
    public async Task IfNoneMatch_OperationETag_Answers304UntilItChanges()
    {
        var created = await Http.CreateClusterAsync(new { name = "polled" });
        var url = $"/api/v1/operations/{created["operation"]!["id"]}";
        var queued = await Http.GetAsync(url, Ct);
        await Http.WaitForOperationAsync((string)created["operation"]!["id"]!);

        var afterTheRun = await Conditional(url, queued.Headers.ETag!.Tag);
        var ended = await Conditional(url, afterTheRun.Headers.ETag!.Tag);

        Assert.Equal(HttpStatusCode.OK, afterTheRun.StatusCode);
        Assert.NotEqual(queued.Headers.ETag, afterTheRun.Headers.ETag);
        Assert.Equal(HttpStatusCode.NotModified, ended.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("pat_NotARealToken0000000000000000000000000000000")]
    public async Task Unauthenticated_ApiRequest_Answers401WithBearerChallenge(string? token)
    {
        using var client = App.CreateClientWithToken(token);

        var response = await client.GetAsync("/api/v1/clusters", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Theory]
    [InlineData("text/html")]
    [InlineData("application/xml")]
    public async Task Problem_ForAnyAccept_IsProblemJson(string accept)
    {
        _ = Http; // the default team exists
        var notFound = Send(HttpMethod.Get, "/api/v1/nowhere", accept);
        var notAllowed = Send(HttpMethod.Put, "/api/v1/clusters", accept);
        var unsupported = Send(HttpMethod.Post, "/api/v1/clusters", accept, new StringContent("name=a", Encoding.UTF8, "application/x-www-form-urlencoded"));
        var missing = Send(HttpMethod.Get, "/api/v1/clusters/missing", accept);

        foreach (var (response, status) in new[] { (await notFound, 404), (await notAllowed, 405), (await unsupported, 415), (await missing, 404) })
        {
            Assert.Equal(status, (int)response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
            Assert.Equal(status, (int)JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["status"]!);
        }
    }

    [Fact]
    public async Task EventStream_OperationEndedAndNothingAfterTheCursor_Answers204()
    {
        var created = await Http.CreateClusterAsync(new { name = "streamed" });
        var id = (string)created["operation"]!["id"]!;
        await Http.WaitForOperationAsync(id);
        var last = (await Http.AllEventsAsync(id))[^1]["sequence"]!.ToString();

        var caughtUp = await Stream($"/api/v1/operations/{id}/events", lastEventId: last);
        var behind = await Stream($"/api/v1/operations/{id}/events", lastEventId: "1");

        Assert.Equal(HttpStatusCode.NoContent, caughtUp.StatusCode);
        Assert.Equal(HttpStatusCode.OK, behind.StatusCode);
        Assert.Equal("text/event-stream", behind.Content.Headers.ContentType!.MediaType);
    }

    private async Task<HttpResponseMessage> Conditional(string url, string etag)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(etag));
        return await Http.SendAsync(request, Ct);
    }

    private Task<HttpResponseMessage> Send(HttpMethod method, string url, string accept, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, url) { Content = content ?? (method == HttpMethod.Get ? null : JsonContent.Create(new { })) };
        request.Headers.Accept.ParseAdd(accept);
        return Http.SendAsync(request, Ct);
    }

    private async Task<HttpResponseMessage> Stream(string url, string lastEventId)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("Last-Event-ID", lastEventId);
        return await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
    }

    private static string[] Methods(string allow) => [.. allow.Split(',', StringSplitOptions.TrimEntries).Order()];
}
