using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Clusters;
using TestSupport.Portal;

namespace Portal.Tests.Api;

/// <summary>The generated program can be read, and the cluster's gossip key appears nowhere a person or client can see.</summary>
public sealed class ClusterProgramTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Program_ReadyCluster_IsYamlThatRefersToTheKeyButNeverHoldsIt()
    {
        await using var app = new PortalAppFactory();
        using var http = app.CreateApiClient();
        var created = await http.CreateClusterAsync(new { name = "secretive", adminCidr = "198.51.100.0/24" });
        var operationId = (string)created["operation"]!["id"]!;
        await http.WaitForOperationAsync(operationId);
        var gossipKey = await GossipKeyOfAsync(app, "secretive");

        var response = await http.GetAsync("/api/v1/clusters/secretive/program", Ct);
        var yaml = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/yaml", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("runtime: yaml", yaml);
        Assert.Contains("${gossipKey}", yaml);
        Assert.Contains("aws:autoscaling/group:Group", yaml);

        // Everything a client or a person can read: program, API answers, events, the page, the logs.
        var seen = new List<string>
        {
            yaml,
            await http.GetStringAsync("/api/v1/clusters/secretive", Ct),
            await http.GetStringAsync($"/api/v1/operations/{operationId}", Ct),
            await http.GetStringAsync($"/api/v1/operations/{operationId}/events?limit=1000", Ct),
            await http.GetStringAsync("/api/v1/audit?limit=500", Ct),
        };
        using var browser = await Personas.SignInAsync(app, PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);
        seen.Add(await browser.GetStringAsync("/clusters/secretive", Ct));
        seen.AddRange(app.Logs.Lines);
        Assert.DoesNotContain(seen, text => text.Contains(gossipKey));
    }

    [Fact]
    public async Task Program_AnotherTeamsCluster_Answers404()
    {
        await using var app = new PortalAppFactory();
        using var admin = app.CreateApiClient();
        await admin.CreateMemberAsync("stranger@portal.test", "Stranger-password-2026", "team-b");
        await admin.CreateClusterAsync(new { name = "private" });
        using var stranger = await Personas.SignInAsync(app, "stranger@portal.test", "Stranger-password-2026");

        var response = await stranger.GetAsync("/api/v1/clusters/private/program", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static async Task<string> GossipKeyOfAsync(PortalAppFactory app, string cluster)
    {
        await using var db = app.CreateDbContext();
        var row = await db.Clusters.SingleAsync(c => c.Name == cluster, Ct);
        var key = app.Services.GetRequiredService<ClusterSecretStore>().Unprotect(row.ProtectedSecrets).GossipKey;
        Assert.Equal(44, key.Length); // 32 bytes, base64: the test would prove nothing with an empty key
        return key;
    }
}
