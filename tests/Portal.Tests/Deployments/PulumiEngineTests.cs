using static TestSupport.PreviewResults;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using TestSupport;
using TestSupport.Portal;

namespace Portal.Tests.Deployments;

/// <summary>The portal deploying through the Pulumi engine, with the fake CLI standing in for pulumi and AWS.</summary>
public sealed class PulumiEngineTests : IAsyncDisposable
{
    /// <summary>What an operator might put in the CLI's environment; no page, event or log may show it.</summary>
    private const string AwsSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKESECRET42";

    private readonly PortalAppFactory _app = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Fact]
    public async Task CreateCluster_PulumiEngine_NoSecretInLogsEventsApiOrPage()
    {
        var logs = _app.Logs;
        _app.UseFakePulumi(TimeSpan.Zero, new Dictionary<string, string> { ["AWS_SECRET_ACCESS_KEY"] = AwsSecret });
        var http = _app.CreateApiClient();

        var created = await http.CreateClusterAsync(new { name = "secretive" });
        var operationId = (string)created["operation"]!["id"]!;
        var operation = await http.WaitForOperationAsync(operationId);

        Assert.Equal("succeeded", (string)operation["state"]!);
        var cluster = await http.GetStringAsync("/api/v1/clusters/secretive", Ct);
        Assert.Equal("ready", (string)JsonNode.Parse(cluster)!["status"]!);
        Assert.Equal("pulumi", (string)JsonNode.Parse(cluster)!["engine"]!);
        var secrets = await _app.SecretsOfAsync("secretive");
        List<string> storedEvents;
        await using (var db = _app.CreateDbContext())
            storedEvents = await db.DeploymentEvents.Select(e => e.Message).ToListAsync(Ct);
        Assert.NotEmpty(storedEvents);
        using var browser = await Personas.SignInAsync(_app, PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);
        var page = await browser.GetStringAsync("/clusters/secretive", Ct);
        Assert.Contains("secretive", page); // the page itself, not a sign-in redirect
        var logLines = logs.Lines;
        Assert.Contains(logLines, l => l.Contains("Running pulumi up", StringComparison.Ordinal)); // the capture saw the engine's lines
        var places = new List<(string Where, string Text)>
        {
            ("GET cluster", cluster),
            ("GET operation", await http.GetStringAsync($"/api/v1/operations/{operationId}", Ct)),
            ("GET events", await http.GetStringAsync($"/api/v1/operations/{operationId}/events?after=0&limit=500", Ct)),
            ("the cluster page", page),
        };
        places.AddRange(logLines.Select((line, i) => ($"log line {i}", line)));
        places.AddRange(storedEvents.Select((message, i) => ($"stored event {i}", message)));

        SecretScan.AssertAbsent([("passphrase", PortalAppFactory.PulumiPassphrase), ("AWS secret", AwsSecret), .. SecretScan.Named(secrets)], places);
    }

    [Fact]
    public async Task PreviewCluster_PulumiEnginePartlyBuilt_ListsWhatPulumiWouldCreate()
    {
        const string failing = "serverGroupB";
        _app.UseFakePulumi(TimeSpan.Zero, new Dictionary<string, string> { ["FAKE_PULUMI_FAIL_RESOURCE"] = failing });
        var http = _app.CreateApiClient();
        var created = await http.CreateClusterAsync(new { name = "partial" });
        var failed = await http.WaitForOperationAsync((string)created["operation"]!["id"]!);
        Assert.Equal("failed", (string)failed["state"]!);

        var body = JsonNode.Parse(await (await http.PostAsync("/api/v1/clusters/partial/preview", null, Ct)).Content.ReadAsStringAsync(Ct))!;
        var operation = await http.WaitForOperationAsync((string)body["operation"]!["id"]!);

        Assert.Equal("succeeded", (string)operation["state"]!);
        var result = operation["result"]!;
        var create = Named(result, "create");
        var unchanged = Named(result, "unchanged");
        Assert.Contains(failing, create);
        Assert.Contains("vpc", unchanged);
        Assert.Empty(Named(result, "update"));
        Assert.Empty(Named(result, "delete"));
        Assert.Equal((int)operation["progress"]!["total"]!, create.Count + unchanged.Count);
        Assert.Equal("failed", (string)(await http.GetJsonAsync("/api/v1/clusters/partial"))["status"]!); // a preview changes nothing
    }
}
