using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TestSupport.Portal;

namespace Portal.Tests.Identity;

/// <summary>
/// Every page route and every API endpoint, called as every kind of caller. Each cell names the
/// expected outcome: A allowed, U unauthenticated (401 or the sign-in page), F forbidden (403 or
/// the "not allowed" page), N not found (never 403 for another team's cluster), or an exact status.
/// </summary>
public sealed class AuthorizationMatrixTests : IAsyncLifetime
{
    // tTokens is the team owner's token with tokens:write; tAdminCi and tAdmin are the admin's tokens with clusters:write and admin.
    //                                 anon  other  owner admin tRead tWrite tTokens tAudit tAdminCi tAdmin expired revoked
    private static readonly string[] Personas = ["anon", "other", "owner", "admin", "tRead", "tWrite", "tTokens", "tAudit", "tAdminCi", "tAdmin", "tExpired", "tRevoked"];

    private static readonly (string Method, string Path, string Expected)[] Matrix =
    [
        // Clusters and operations: the owning team and admins; another team is told nothing exists.
        // An admin's token acts as an admin only with the admin scope: otherwise it sees the admin's own teams (none here).
        ("GET", "/api/v1/clusters/alpha", "U N A A A A A F N F U U"),
        ("GET", "/api/v1/clusters/alpha/operations", "U N A A A A A F N F U U"),
        ("GET", "/api/v1/clusters/alpha/program", "U N A A A A A F N F U U"),
        ("GET", "/api/v1/clusters/alpha/ca.pem", "U N A A A A A F N F U U"),
        // The root credential: owners and admins only, and a token needs clusters:write.
        ("POST", "/api/v1/clusters/alpha/secrets/management-token", "U N 200 200 F 200 F F N F U U"),
        // Consul's health: read like the cluster; checking it now runs commands on its servers, so it needs clusters:write.
        ("GET", "/api/v1/clusters/alpha/health", "U N A A A A A F N F U U"),
        ("GET", "/api/v1/clusters/alpha/health/history", "U N A A A A A F N F U U"),
        ("POST", "/api/v1/clusters/alpha/health/check", "U N A A F A F F N F U U"), // 200, or 409 while a preview holds alpha
        // Drills change the (simulated) cluster: clusters:write; a zone alpha does not have answers 400, so nothing changes.
        ("POST", "/api/v1/clusters/alpha/drills/zone-outage", "U N 400 400 F 400 F F N F U U"),
        ("DELETE", "/api/v1/clusters/alpha/drills/zone-outage", "U N 409 409 F 409 F F N F U U"),
        // A stopped rollout is steered by owners and admins only (clusters:write); alpha's is not stopped, so 409.
        ("GET", "/api/v1/clusters/alpha/rollout", "U N A A A A A F N F U U"),
        ("POST", "/api/v1/clusters/alpha/rollout/continue", "U N 409 409 F 409 F F N F U U"),
        ("POST", "/api/v1/clusters/alpha/rollout/rollback", "U N 409 409 F 409 F F N F U U"),
        // Snapshots: listed like the cluster, taken with clusters:write, restored by owners and admins (a datacenter alpha lacks: 400).
        ("GET", "/api/v1/clusters/alpha/snapshots", "U N A A A A A F N F U U"),
        ("POST", "/api/v1/clusters/alpha/snapshots", "U N A A F A F F N F U U"), // 202, or 409 while another operation holds alpha
        ("POST", "/api/v1/clusters/alpha/snapshots/eu-west-1a-20260101T000000000Z-0000/restore", "U N 400 400 F 400 F F N F U U"),
        ("GET", "/api/v1/clusters", "U A A A A A A F A F U U"),
        // The catalog: what a create may choose from, for anyone who may read clusters.
        ("GET", "/api/v1/catalog", "U A A A A A A F A F U U"),
        ("GET", "/api/v1/operations", "U A A A A A A F A F U U"),
        ("GET", "/api/v1/operations/{op}", "U N A A A A A F N F U U"),
        ("GET", "/api/v1/operations/{op}/events", "U N A A A A A F N F U U"),
        ("POST", "/api/v1/clusters", "U 400 202 202 F 202 F F 400 F U U"),
        ("DELETE", "/api/v1/clusters/del-{persona}", "U N 202 202 F 202 F F N F U U"),
        ("POST", "/api/v1/clusters/alpha/preview", "U N A A F A F F N F U U"), // 202, or 409 while the last preview still runs
        ("POST", "/api/v1/operations/{op}/cancel", "U N 409 409 F 409 F F N F U U"),
        ("POST", "/api/v1/operations/{op}/retry", "U N 409 409 F 409 F F N F U U"),
        // Applying a preview changes the cluster: clusters:write; {op} is alpha's create, not a preview, so nothing changes.
        ("POST", "/api/v1/operations/{op}/apply", "U N 409 409 F 409 F F N F U U"),
        // Teams, accounts and backups: admins only, and an admin's token needs the admin scope (clusters:write is not enough).
        ("GET", "/api/v1/teams", "U F F A F F F F F A U U"),
        ("POST", "/api/v1/teams", "U F F 201 F F F F F 201 U U"),
        ("GET", "/api/v1/teams/team-a", "U F F A F F F F F A U U"),
        ("POST", "/api/v1/teams/team-a/members", "U F F 200 F F F F F 200 U U"),
        ("DELETE", "/api/v1/teams/team-z/members?email=x@y.z", "U F F 404 F F F F F 404 U U"),
        ("POST", "/api/v1/users", "U F F 201 F F F F F 201 U U"),
        ("GET", "/api/v1/users/00000000-0000-0000-0000-000000000002", "U F F 404 F F F F F 404 U U"),
        ("POST", "/api/v1/admin/backup", "U F F 200 F F F F F 200 U U"),
        // Tokens: everyone lists their own; creating or revoking one with a token needs tokens:write.
        ("GET", "/api/v1/tokens", "U A A A A A A A A A U U"),
        ("POST", "/api/v1/tokens", "U 201 201 201 F F 201 F F F U U"),
        ("GET", "/api/v1/tokens/00000000-0000-0000-0000-000000000001", "U N N N N N N N N N U U"),
        ("DELETE", "/api/v1/tokens/00000000-0000-0000-0000-000000000001", "U N N N F F N F F F U U"),
        ("GET", "/api/v1/antiforgery", "U A A A A A A A A A U U"),
        // Audit: admins, or an admin's token with audit:read.
        ("GET", "/api/v1/audit", "U F F A F F F A F F U U"),
        ("GET", "/api/v1/audit/export?format=csv", "U F F A F F F A F F U U"),
        ("GET", "/api/v1/audit/verify", "U F F A F F F A F F U U"),
        // Pages; the admin pages need the admin role, which a token carries only with the admin scope.
        ("GET", "/", "U A A A A A A A A A U U"),
        ("GET", "/clusters", "U A A A A A A A A A U U"),
        ("GET", "/clusters/new", "U A A A A A A A A A U U"),
        ("GET", "/clusters/alpha", "U N A A A A A N N A U U"),
        ("GET", "/tokens", "U A A A A A A A A A U U"),
        ("GET", "/admin/teams", "U F F A F F F F F A U U"),
        ("GET", "/admin/audit", "U F F A F F F F F A U U"),
        ("GET", "/account/login", "A A A A A A A A A A A A"),
        ("GET", "/account/denied", "A A A A A A A A A A A A"),
        ("GET", "/account/setup", "A A A A A A A A A A A A"),
        ("GET", "/not-found", "A A A A A A A A A A A A"),
        // Health, for load balancers and orchestrators.
        ("GET", "/health/live", "A A A A A A A A A A A A"),
        ("GET", "/health/ready", "A A A A A A A A A A A A"),
    ];

    /// <summary>Endpoints that are anonymous by design, or not pages nor API (checked by their metadata below).</summary>
    private static readonly HashSet<string> NotInMatrix =
    [
        "GET,HEAD {**path:file}", "GET /_framework/opaque-redirect", " /_blazor", " /_blazor/negotiate", " /_blazor/disconnect/", " /_blazor/initializers/",
        "GET /openapi/{documentName}.json", "GET /scalar/{documentName?}", "GET /scalar/scalar.js", "GET /scalar/scalar.aspnetcore.js", "GET /scalar/favicon.svg",
        "POST /account/external", "GET /account/external-callback", "POST /account/logout",
    ];

    private readonly PortalAppFactory _app = new() { Settings = { ["Backup:Passphrase"] = "matrix backup passphrase 2026" } };
    private readonly Dictionary<string, HttpClient> _clients = [];
    private string _operationId = "";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var admin = _app.CreateApiClient();
        await admin.CreateMemberAsync("owner@portal.test", "Owner-password-2026", "team-a", "owner");
        await admin.CreateMemberAsync("other@portal.test", "Other-password-2026", "team-b");
        var created = await admin.CreateClusterAsync(new { name = "alpha", team = "team-a" });
        _operationId = (string)created["operation"]!["id"]!;
        await admin.WaitForOperationAsync(_operationId);
        foreach (var persona in Personas)
            await admin.WaitForOperationAsync((string)(await admin.CreateClusterAsync(new { name = $"del-{persona.ToLowerInvariant()}", team = "team-a" }))["operation"]!["id"]!);

        var owner = await TestSupport.Portal.Personas.SignInAsync(_app, "owner@portal.test", "Owner-password-2026");
        _clients["anon"] = _app.CreateClient(new() { AllowAutoRedirect = false });
        _clients["other"] = await TestSupport.Portal.Personas.SignInAsync(_app, "other@portal.test", "Other-password-2026");
        _clients["owner"] = owner;
        _clients["admin"] = await TestSupport.Portal.Personas.SignInAsync(_app, PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);
        _clients["tRead"] = TokenClient((await owner.CreateTokenAsync("read", "clusters:read")).Token);
        _clients["tWrite"] = TokenClient((await owner.CreateTokenAsync("write", "clusters:write")).Token);
        _clients["tTokens"] = TokenClient((await owner.CreateTokenAsync("tokens", "clusters:read", "tokens:write")).Token);
        _clients["tAudit"] = TokenClient((await admin.CreateTokenAsync("audit", "audit:read")).Token);
        _clients["tAdminCi"] = TokenClient((await admin.CreateTokenAsync("ci", "clusters:write")).Token);
        _clients["tAdmin"] = TokenClient((await admin.CreateTokenAsync("admin", "admin")).Token);
        var expired = await owner.CreateTokenAsync("expired", "clusters:read");
        await using (var db = _app.CreateDbContext())
            await db.PersonalAccessTokens.Where(t => t.Id == Guid.Parse(expired.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)), Ct);
        _clients["tExpired"] = TokenClient(expired.Token);
        var revoked = await owner.CreateTokenAsync("revoked", "clusters:write");
        Assert.True((await owner.DeleteAsync($"/api/v1/tokens/{revoked.Id}", Ct)).IsSuccessStatusCode);
        _clients["tRevoked"] = TokenClient(revoked.Token);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values) client.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task EveryEndpoint_EveryKindOfCaller_GetsTheExpectedOutcome()
    {
        var failures = new List<string>();
        foreach (var (method, template, expected) in Matrix)
        {
            var cells = expected.Split(' ');
            Assert.Equal(Personas.Length, cells.Length);
            for (var i = 0; i < Personas.Length; i++)
            {
                var persona = Personas[i];
                using var request = new HttpRequestMessage(new HttpMethod(method), template.Replace("{op}", _operationId).Replace("{persona}", persona.ToLowerInvariant()));
                if (BodyFor(method, template, persona) is { } body) request.Content = JsonContent.Create(body);
                var response = await _clients[persona].SendAsync(request, Ct);
                var outcome = Classify(response);
                if ((int)response.StatusCode >= 500 || (outcome != cells[i] && ((int)response.StatusCode).ToString() != cells[i]))
                    failures.Add($"{method} {template} as {persona}: expected {cells[i]}, got {(int)response.StatusCode} ({outcome}) {response.Headers.Location}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData("/api/v1/clusters")]
    [InlineData("/api/v1/operations")]
    public async Task Lists_AnotherTeam_SeeNothingOfTheCluster(string list)
    {
        var other = JsonNode.Parse(await _clients["other"].GetStringAsync(list, Ct))!["items"]!.AsArray();
        var owner = JsonNode.Parse(await _clients["owner"].GetStringAsync(list, Ct))!["items"]!.AsArray();

        Assert.Empty(other);
        Assert.Contains(owner, item => ((string?)item!["name"] ?? (string?)item["cluster"]) == "alpha");
    }

    [Fact]
    public void EndpointDataSource_EveryEndpoint_IsInTheMatrixOrDeliberatelyOutside()
    {
        var endpoints = _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.StaticAssets.StaticAssetDescriptor>() is null); // CSS, JS, fonts
        var covered = Matrix.Select(m => Normalize(m.Path)).ToHashSet();
        var unknown = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var methods = string.Join(",", endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []);
            var key = $"{methods} {endpoint.RoutePattern.RawText}";
            if (NotInMatrix.Contains(key)) continue;
            if (!covered.Contains(Normalize(endpoint.RoutePattern.RawText!))) unknown.Add(key);
            // Whatever is in the matrix must also say so in its metadata: authorization or explicit anonymity.
            if (endpoint.Metadata.GetMetadata<IAuthorizeData>() is null && endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null)
                unknown.Add($"{key} (no authorization metadata)");
        }
        Assert.True(unknown.Count == 0, "Endpoints without a rule in the authorization matrix:\n" + string.Join("\n", unknown));
    }

    private static object? BodyFor(string method, string template, string persona) => (method, template) switch
    {
        ("POST", "/api/v1/clusters") => new { name = $"new-{persona.ToLowerInvariant()}", team = "team-a" },
        ("POST", "/api/v1/teams") => new { name = $"team-{persona.ToLowerInvariant()}", displayName = persona },
        ("POST", "/api/v1/teams/team-a/members") => new { email = "owner@portal.test", role = "owner" }, // no change in who sees what
        ("POST", "/api/v1/users") => new { email = $"{persona.ToLowerInvariant()}-made@portal.test", password = "Made-password-2026" },
        ("POST", "/api/v1/clusters/alpha/drills/zone-outage") => new { zone = "nowhere-1a" },
        ("POST", "/api/v1/clusters/alpha/snapshots/eu-west-1a-20260101T000000000Z-0000/restore") => new { datacenter = "nowhere-1a" },
        ("POST", "/api/v1/tokens") => new { name = "matrix", scopes = new[] { "clusters:read" }, expiresAt = DateTimeOffset.UtcNow.AddDays(1) },
        _ => null,
    };

    private static string Classify(HttpResponseMessage response) => response.StatusCode switch
    {
        HttpStatusCode.Unauthorized => "U",
        HttpStatusCode.Forbidden => "F",
        HttpStatusCode.NotFound => "N",
        HttpStatusCode.Redirect when response.Headers.Location?.OriginalString.Contains("/account/login") == true => "U",
        HttpStatusCode.Redirect when response.Headers.Location?.OriginalString.Contains("/account/denied") == true => "F",
        _ => "A",
    };

    /// <summary>Route templates and matrix paths compared by shape: parameters and query strings ignored.</summary>
    private static string Normalize(string path)
    {
        var withoutQuery = path.Split('?')[0].TrimEnd('/');
        var segments = withoutQuery.Split('/').Select(s => s.StartsWith('{') || s.Contains('-') && s.Length > 20 || s is "alpha" or "team-a" or "team-z" or "del-{persona}" ? "*" : s);
        return string.Join('/', segments) is { Length: > 0 } normalized ? normalized : "/";
    }

    private HttpClient TokenClient(string token)
    {
        var client = _app.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
