using System.Net;
using Portal.Clusters;
using TestSupport.Portal;

namespace Portal.Tests.Api;

/// <summary>The generated program can be read, and none of the cluster's confidential secrets appears anywhere a person or client can see.</summary>
public sealed class ClusterProgramTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Program_ReadyCluster_IsYamlThatRefersToTheSecretsButNeverHoldsThem()
    {
        await using var app = new PortalAppFactory();
        using var http = app.CreateApiClient();
        var created = await http.CreateClusterAsync(new { name = "secretive", adminCidr = "198.51.100.0/24" });
        var operationId = (string)created["operation"]!["id"]!;
        await http.WaitForOperationAsync(operationId);
        var secrets = await app.SecretsOfAsync("secretive");

        var response = await http.GetAsync("/api/v1/clusters/secretive/program", Ct);
        var yaml = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/yaml", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("runtime: yaml", yaml);
        Assert.Contains("${gossipKey}", yaml);
        Assert.Contains("aws:autoscaling/group:Group", yaml);

        // The one answer that holds a secret: its reveal must leave no trace of the value anywhere else.
        var reveal = await http.PostAsync("/api/v1/clusters/secretive/secrets/management-token", null, Ct);
        Assert.Equal(HttpStatusCode.OK, reveal.StatusCode);

        // Everything a client or a person can read: program, API answers, events, the audit trail, the page, the logs.
        using var browser = await Personas.SignInAsync(app, PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);
        var page = await browser.GetStringAsync("/clusters/secretive", Ct);
        Assert.Contains("Download CA certificate", page); // the page itself, with its Connect card, not a sign-in redirect
        var audit = await http.GetStringAsync("/api/v1/audit?limit=500", Ct);
        Assert.Contains(ClusterSecretsCommands.RevealAction, audit);
        var places = new List<(string Where, string Text)>
        {
            ("the program", yaml),
            ("GET cluster", await http.GetStringAsync("/api/v1/clusters/secretive", Ct)),
            ("the cluster list", await http.GetStringAsync("/api/v1/clusters", Ct)),
            ("the cluster's operations", await http.GetStringAsync("/api/v1/clusters/secretive/operations", Ct)),
            ("the operation list", await http.GetStringAsync("/api/v1/operations", Ct)),
            ("GET operation", await http.GetStringAsync($"/api/v1/operations/{operationId}", Ct)),
            ("the events", await http.GetStringAsync($"/api/v1/operations/{operationId}/events?limit=1000", Ct)),
            ("the audit trail", audit),
            ("the cluster page", page),
        };
        places.AddRange(app.Logs.Lines.Select((line, i) => ($"log line {i}", line)));
        SecretScan.AssertAbsent(SecretScan.Named(secrets), places);
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
}
