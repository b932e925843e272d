using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using TestSupport.Portal;

namespace Portal.Tests.Api;

public sealed class OpenApiDocumentTests : IAsyncDisposable
{
    private readonly PortalAppFactory _app = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Fact]
    public async Task OpenApiDocument_EveryApiEndpoint_IsDocumentedWithResponsesAndSecurity()
    {
        var http = _app.CreateApiClient();
        var document = JsonNode.Parse(await http.GetStringAsync("/openapi/v1.json", Ct))!.AsObject();
        var endpoints = _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Endpoint: e, Method: m)))
            .ToList();
        Assert.True(endpoints.Count >= 12, $"only {endpoints.Count} API endpoints found");

        Assert.Equal("bearer", (string)document["components"]!["securitySchemes"]!["Bearer"]!["scheme"]!);
        var problems = new List<string>();
        foreach (var (endpoint, method) in endpoints)
        {
            var path = OpenApiPath(endpoint.RoutePattern.RawText!);
            var operation = document["paths"]?.AsObject().FirstOrDefault(p => p.Key.TrimEnd('/') == path).Value?[method.ToLowerInvariant()];
            if (operation is null) { problems.Add($"{method} {path} is not documented"); continue; }
            if (operation["operationId"] is null) problems.Add($"{method} {path} has no operationId");
            var responses = operation["responses"]?.AsObject();
            if (responses is null || !responses.Any(r => r.Key.StartsWith('2'))) problems.Add($"{method} {path} documents no success response");
            foreach (var status in new[] { "400", "401", "403", "429", "500" })
                if (responses?[status]?["content"]?["application/problem+json"] is null) problems.Add($"{method} {path} does not document {status} as problem+json");
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var secured = operation["security"]?.AsArray().Any(r => r!.AsObject().ContainsKey("Bearer")) == true;
            if (!anonymous && !secured) problems.Add($"{method} {path} has no Bearer security requirement");
        }
        Assert.Empty(problems);
        Assert.NotNull(document["paths"]!["/api/v1/clusters/{name}"]!["patch"]!["responses"]!["412"]);
        Assert.Contains(document["paths"]!["/api/v1/clusters"]!["post"]!["parameters"]!.AsArray(), p => (string)p!["name"]! == "Idempotency-Key");
        Assert.NotNull(document["paths"]!["/api/v1/clusters"]!["post"]!["requestBody"]!["content"]!["application/json"]!["example"]);
        var reveal = document["paths"]!["/api/v1/clusters/{name}/secrets/management-token"]!["post"]!["responses"]!;
        Assert.Equal("no-store", (string)reveal["200"]!["headers"]!["Cache-Control"]!["example"]!);
        Assert.NotNull(reveal["200"]!["content"]!["application/json"]!["schema"]);
        Assert.NotNull(reveal["409"]);
        Assert.NotNull(document["paths"]!["/api/v1/clusters/{name}/ca.pem"]!["get"]!["responses"]!["200"]!["content"]!["application/x-pem-file"]);
        var apply = document["paths"]!["/api/v1/operations/{id}/apply"]!["post"]!;
        foreach (var status in new[] { "202", "404", "409", "410" }) Assert.NotNull(apply["responses"]![status]);
        Assert.Contains(apply["parameters"]!.AsArray(), p => (string)p!["name"]! == "Idempotency-Key");
        Assert.NotNull(document["paths"]!["/api/v1/clusters/{name}"]!["patch"]!["responses"]!["200"]); // a time to live alone
        Assert.NotNull(document["components"]!["schemas"]!["ClusterView"]!["properties"]!["expiresAt"]);
        Assert.NotNull(document["components"]!["schemas"]!["UpdateClusterRequest"]!["properties"]!["timeToLiveHours"]);
    }

    [Theory]
    [InlineData("/api/v1/clusters/{name}/rollout", "get", "200")]
    [InlineData("/api/v1/clusters/{name}/rollout/continue", "post", "409")]
    [InlineData("/api/v1/clusters/{name}/rollout/rollback", "post", "409")]
    [InlineData("/api/v1/clusters/{name}/snapshots", "get", "200")]
    [InlineData("/api/v1/clusters/{name}/snapshots", "post", "202")]
    [InlineData("/api/v1/clusters/{name}/snapshots/{id}/restore", "post", "403")]
    public async Task OpenApiDocument_RolloutAndSnapshotEndpoints_AreDocumented(string path, string method, string status)
    {
        var document = JsonNode.Parse(await _app.CreateApiClient().GetStringAsync("/openapi/v1.json", Ct))!.AsObject();

        var operation = document["paths"]!.AsObject().Single(p => p.Key.TrimEnd('/') == path).Value![method]!;

        Assert.NotNull(operation["operationId"]);
        Assert.NotNull(operation["responses"]![status]);
        if (path.EndsWith("/restore", StringComparison.Ordinal))
            Assert.NotNull(operation["requestBody"]!["content"]!["application/json"]!["schema"]);
    }

    [Fact]
    public async Task OpenApiDocument_TokenScopes_AreDescribedOnTheSchemeAndRequiredPerOperation()
    {
        var document = JsonNode.Parse(await _app.CreateApiClient().GetStringAsync("/openapi/v1.json", Ct))!.AsObject();
        string[] Required(string path, string method) =>
            document["paths"]!.AsObject().Single(p => p.Key.TrimEnd('/') == path).Value![method]!["security"]!.AsArray()
                .Select(r => r!["Bearer"]!.AsArray().Select(s => (string)s!)).Single().ToArray();

        var scheme = (string)document["components"]!["securitySchemes"]!["Bearer"]!["description"]!;
        Assert.All(global::Portal.Api.Scopes.All, scope => Assert.Contains($"`{scope}`", scheme));
        Assert.Equal(["clusters:read"], Required("/api/v1/clusters", "get"));
        Assert.Equal(["clusters:write"], Required("/api/v1/clusters", "post"));
        Assert.Equal(["tokens:write"], Required("/api/v1/tokens", "post"));
        Assert.Equal(["tokens:write"], Required("/api/v1/tokens/{id}", "delete"));
        Assert.Empty(Required("/api/v1/tokens", "get"));
        Assert.Equal(["audit:read"], Required("/api/v1/audit", "get"));
        Assert.Equal(["admin"], Required("/api/v1/users", "post"));
        Assert.Equal(["admin"], Required("/api/v1/admin/backup", "post"));
        Assert.Contains("A token needs: `admin`.", (string)document["paths"]!["/api/v1/admin/backup"]!["post"]!["description"]!);
    }

    [Fact]
    public async Task OpenApiDocument_Served_IsValidOpenApi31WithResolvableReferences()
    {
        var text = await _app.CreateApiClient().GetStringAsync("/openapi/v1.json", Ct);
        var document = JsonNode.Parse(text)!.AsObject();

        Assert.StartsWith("3.1", (string)document["openapi"]!);
        Assert.NotEmpty(document["paths"]!.AsObject());
        foreach (var (path, item) in document["paths"]!.AsObject())
        foreach (var (method, operation) in item!.AsObject())
            Assert.True(operation!["responses"]?.AsObject().Count > 0, $"{method} {path} has no responses");
        var references = Descendants(document).OfType<JsonObject>().Where(o => o["$ref"] is JsonValue).Select(o => (string)o["$ref"]!).Distinct().ToList();
        Assert.NotEmpty(references);
        Assert.All(references, reference => Assert.True(Resolve(document, reference) is not null, $"{reference} does not resolve"));

        // The reference reader: structure and semantics, as tools that consume the document see them.
        var read = OpenApiDocument.Parse(text, "json");
        Assert.Empty(read.Diagnostic!.Errors);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, read.Diagnostic.SpecificationVersion);
        Assert.Empty(read.Document!.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);
    }

    [Fact]
    public async Task OpenApiDocument_HealthAndDrills_DocumentTheirShapesScopesAndConflicts()
    {
        var document = JsonNode.Parse(await _app.CreateApiClient().GetStringAsync("/openapi/v1.json", Ct))!.AsObject();
        JsonNode Operation(string path, string method) => document["paths"]!.AsObject().Single(p => p.Key.TrimEnd('/') == path).Value![method]!;
        JsonObject Schema(JsonNode response) => Resolve(document, (string)response["content"]!["application/json"]!["schema"]!["$ref"]!)!.AsObject();

        var health = Schema(Operation("/api/v1/clusters/{name}/health", "get")["responses"]!["200"]!);
        Assert.Equal(["status", "checkedAt", "datacenters", "wanMembers", "checks", "trigger"], health["properties"]!.AsObject().Select(p => p.Key));
        var status = Resolve(document, (string)health["properties"]!["status"]!["$ref"]!)!;
        Assert.Equal(["unknown", "healthy", "degraded"], status["enum"]!.AsArray().Select(v => (string)v!));
        var check = Schema(Operation("/api/v1/clusters/{name}/health/check", "post")["responses"]!["200"]!);
        Assert.Equal(health.ToJsonString(), check.ToJsonString());
        Assert.NotNull(Operation("/api/v1/clusters/{name}/health/check", "post")["responses"]!["409"]);
        Assert.Equal("clusters:write", (string)Operation("/api/v1/clusters/{name}/health/check", "post")["security"]![0]!["Bearer"]![0]!);
        Assert.Equal("clusters:read", (string)Operation("/api/v1/clusters/{name}/health/history", "get")["security"]![0]!["Bearer"]![0]!);
        foreach (var method in new[] { "post", "delete" })
        {
            var drill = Operation("/api/v1/clusters/{name}/drills/zone-outage", method);
            Assert.NotNull(drill["responses"]!["202"]);
            Assert.NotNull(drill["responses"]!["409"]);
            Assert.Equal("clusters:write", (string)drill["security"]![0]!["Bearer"]![0]!);
        }
        var cluster = Resolve(document, "#/components/schemas/ClusterView")!;
        Assert.NotNull(cluster["properties"]!["health"]);
        Assert.NotNull(cluster["properties"]!["zoneOutage"]);
    }

    [Fact]
    public async Task OpenApiDocument_ClusterList_DocumentsSummariesWithoutOutputsAndTheDetailWithThem()
    {
        var document = JsonNode.Parse(await _app.CreateApiClient().GetStringAsync("/openapi/v1.json", Ct))!.AsObject();
        JsonNode Operation(string path) => document["paths"]!.AsObject().Single(p => p.Key.TrimEnd('/') == path).Value!["get"]!;
        JsonNode Schema(JsonNode schema) => schema["$ref"] is { } reference ? Resolve(document, (string)reference!)! : schema;
        JsonNode Ok(string path) => Schema(Operation(path)["responses"]!["200"]!["content"]!["application/json"]!["schema"]!);

        var list = Operation("/api/v1/clusters");
        Assert.Contains("summary (ClusterSummaryView)", (string)list["description"]!);
        Assert.Contains("GET /api/v1/clusters/{name} returns the whole cluster, outputs included", (string)list["description"]!);
        var item = Ok("/api/v1/clusters")["properties"]!["items"]!["items"]!;
        Assert.Equal("#/components/schemas/ClusterSummaryView", (string)item["$ref"]!);
        var summary = Schema(item);
        Assert.Contains("no outputs", (string)summary["description"]!);
        var properties = summary["properties"]!.AsObject();
        Assert.Equal(["name", "team", "status", "engine", "spec", "instances", "createdAt", "updatedAt", "health", "zoneOutage", "expiresAt", "activeOperation"], properties.Select(p => p.Key));
        Assert.NotNull(properties["name"]!["description"]);
        var spec = Schema(properties["spec"]!);
        Assert.Equal(["region", "availabilityZones", "vpcCidr", "serversPerAz", "clientCount", "consulVersion"], spec["properties"]!.AsObject().Select(p => p.Key));
        Assert.NotNull(spec["properties"]!["serversPerAz"]!["description"]);
        Assert.NotNull(Schema(properties["instances"]!)["properties"]!["total"]!["description"]);

        var detail = Ok("/api/v1/clusters/{name}");
        Assert.NotNull(detail["properties"]!["outputs"]);
        Assert.Contains("outputs", (string)Operation("/api/v1/clusters/{name}")["description"]!);
    }

    [Fact]
    public async Task ScalarReference_Served_AnswersHtml()
    {
        var response = await _app.CreateApiClient().GetAsync("/scalar/", Ct);

        Assert.True(response.IsSuccessStatusCode, $"GET /scalar/ answered {(int)response.StatusCode}");
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
    }

    /// <summary>Route syntax to OpenAPI path syntax: constraints dropped, no trailing slash.</summary>
    private static string OpenApiPath(string pattern) =>
        System.Text.RegularExpressions.Regex.Replace(pattern, @"\{(\w+)(:[^}]*)?\}", "{$1}").TrimEnd('/');

    private static IEnumerable<JsonNode> Descendants(JsonNode node)
    {
        yield return node;
        var children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a.AsEnumerable(),
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>())
        foreach (var descendant in Descendants(child))
            yield return descendant;
    }

    private static JsonNode? Resolve(JsonObject document, string reference)
    {
        if (!reference.StartsWith("#/", StringComparison.Ordinal)) return null;
        JsonNode? node = document;
        foreach (var part in reference[2..].Split('/'))
            node = node?[part.Replace("~1", "/").Replace("~0", "~")];
        return node;
    }
}
