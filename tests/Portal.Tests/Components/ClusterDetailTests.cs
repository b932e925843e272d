using System.Text.Json.Nodes;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Clusters;
using Portal.Components.Pages.Clusters;
using Portal.Data;
using Portal.Deployments;
using TestSupport.Portal;

namespace Portal.Tests.Components;

public sealed class ClusterDetailTests : PortalComponentContext
{
    private const string MemberEmail = "leaver@portal.test", Password = "Leaver-password-2026";
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task ClusterDetail_MemberRemovedWhileThePageIsOpen_DestroyIsRefusedAndNothingChanges()
    {
        await Api.CreateMemberAsync(MemberEmail, Password, "team-a", "owner");
        var created = await Api.CreateClusterAsync(new { name = "kept", team = "team-a" });
        await Api.WaitForOperationAsync((string)created["operation"]!["id"]!);
        UsePortalServices(MemberEmail);
        var dialogs = Render<MudDialogProvider>();
        var snackbars = Render<MudSnackbarProvider>();
        var page = Render<ClusterDetail>(p => p.Add(c => c.Name, "kept"));
        page.WaitForElement("[data-testid=destroy]");

        // An admin takes the person out of the team; their page stays open with the team it loaded.
        Assert.True((await Api.DeleteAsync($"/api/v1/teams/team-a/members?email={MemberEmail}", Ct)).IsSuccessStatusCode);
        var destroying = page.Find("[data-testid=destroy]").ClickAsync(new()); // ends when the dialog does
        dialogs.WaitForElement("[data-testid=confirm-name] input, input[data-testid=confirm-name]").Input("kept");
        await dialogs.Find("[data-testid=confirm-destroy]").ClickAsync(new());
        await destroying;

        await using var db = App.CreateDbContext();
        Assert.Equal(0, await db.Operations.CountAsync(o => o.Kind == OperationKind.Destroy, Ct));
        Assert.Equal(ClusterStatus.Ready, (await db.Clusters.SingleAsync(c => c.Name == "kept", Ct)).Status);
        snackbars.WaitForAssertion(() => Assert.Contains("No cluster named 'kept'", snackbars.Markup));
    }

    [Fact]
    public async Task ClusterDetail_ReadyCluster_HealthConnectAndPictureComeBeforeTheResourcesAndOutputs()
    {
        var page = await OpenReadyAsync("ordered");

        var markup = page.Markup;
        int At(string testId) => markup.IndexOf($"data-testid=\"{testId}\"", StringComparison.Ordinal);
        Assert.All(new[] { "health-panel", "topology", "connect", "resilience-panel", "resource-table", "outputs" }, id => Assert.True(At(id) >= 0, $"{id} is missing"));
        Assert.True(At("health-panel") < At("resource-table") && At("topology") < At("resource-table") && At("connect") < At("resource-table"),
            "health, the picture and connect come before the resource table");
        Assert.True(At("resource-table") < At("outputs"));
        Assert.Equal("healthy", page.Find("[data-testid=health-panel]").GetAttribute("data-health"));
        Assert.Equal("health", page.Find("[data-testid=topology]").GetAttribute("data-mode"));
        // The outputs are labelled, clients included.
        Assert.Equal(5, page.FindAll("[data-testid=output-clients] tr[data-instance]").Count);
        Assert.Contains("Client security group", page.Find("tr[data-output=clientSecurityGroupId]").TextContent);
    }

    [Fact]
    public async Task ClusterDetail_Header_ShowsTheServerAndClientCountsBesideTheVersion()
    {
        var created = await Api.CreateClusterAsync(new { name = "counted", clientCount = 3 });
        await Api.WaitForOperationAsync((string)created["operation"]!["id"]!);
        UsePortalServices();

        var page = Render<ClusterDetail>(p => p.Add(c => c.Name, "counted"));

        page.WaitForAssertion(() => Assert.Equal("6 servers · 3 clients", page.Find("[data-testid=node-counts]").TextContent.Trim()));
    }

    [Fact]
    public async Task ClusterDetail_ReadyCluster_ConnectTunnelsToARealServerAndEveryLineHasItsCopyButton()
    {
        var page = await OpenReadyAsync("reachable");
        await using var db = App.CreateDbContext();
        var outputs = ClusterView.From(await db.Clusters.SingleAsync(c => c.Name == "reachable", Ct)).Outputs!;
        var servers = outputs["servers"]!.AsObject().SelectMany(dc => dc.Value!.AsArray()).Select(s => (string)s!["instanceId"]!).ToList();

        var tunnel = page.Find("[data-testid=connect-port-forward] code").TextContent;
        var target = System.Text.RegularExpressions.Regex.Match(tunnel, @"--target (i-[0-9a-f]+) ").Groups[1].Value;
        Assert.Contains(target, servers);
        Assert.StartsWith($"aws ssm start-session --target {target} --document-name AWS-StartPortForwardingSession --parameters portNumber=8501,localPortNumber=8501", tunnel);
        Assert.Equal("https://localhost:8501/ui/", page.Find("[data-testid=connect-ui-url] code").TextContent);
        Assert.Equal("export CONSUL_HTTP_ADDR=https://localhost:8501", page.Find("[data-testid=connect-http-addr] code").TextContent);
        Assert.Equal("export CONSUL_CACERT=consul-reachable-ca.pem", page.Find("[data-testid=connect-cacert] code").TextContent);
        Assert.StartsWith("export CONSUL_HTTP_TOKEN=", page.Find("[data-testid=connect-http-token] code").TextContent);
        Assert.Equal(outputs["dnsExamples"]!.AsArray().Select(n => (string)n!), page.FindAll("[data-testid^=connect-dns-] code").Select(c => c.TextContent));

        var lines = page.FindAll(".connect-line");
        Assert.True(lines.Count >= 8, $"expected every connect line, found {lines.Count}");
        Assert.All(lines, line => Assert.StartsWith("Copy ", line.QuerySelector("button[data-copy-for]")!.GetAttribute("aria-label")));

        // The client agent joins by the zone's tag, over TLS with auto_encrypt, under default-deny ACLs; its secrets stay in SSM.
        var snippet = page.Find("[data-testid=connect-client-snippet] pre").TextContent;
        Assert.Contains("\"datacenter\": \"eu-west-1a\"", snippet);
        Assert.Contains("tag_key=consul-join tag_value=reachable-eu-west-1a", snippet);
        Assert.Contains("\"auto_encrypt\": {", snippet);
        Assert.Contains("\"default_policy\": \"deny\"", snippet);
        Assert.Contains("parameter /consul/reachable/acl/agent", snippet);
        foreach (var (what, secret) in SecretScan.Named(await App.SecretsOfAsync("reachable")))
            Assert.False(page.Markup.Contains(secret, StringComparison.Ordinal), $"the page shows the {what}");
    }

    [Fact]
    public async Task ClusterDetail_CheckNow_ShowsTheFreshCheckAndSaysWhatItFound()
    {
        var page = await OpenReadyAsync("checked");
        var snackbars = Render<MudSnackbarProvider>();
        Assert.Contains("after the deployment", page.Find("[data-testid=health-checked-at]").TextContent);

        await page.Find("[data-testid=check-now]").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Contains("on demand", page.Find("[data-testid=health-checked-at]").TextContent), TimeSpan.FromSeconds(10));
        snackbars.WaitForAssertion(() => Assert.Contains("Consul checked: healthy.", snackbars.Markup));
    }

    [Fact]
    public async Task ClusterDetail_ZoneOutageDrillThroughItsButtons_LostZoneShownThenRestored_AndTheDegradedClusterKeepsItsActions()
    {
        var page = await OpenReadyAsync("drilled");
        var (lost, surviving) = ("eu-west-1a", "eu-west-1b");
        Assert.Contains("Losing 1 server of a datacenter.", page.Find("[data-testid=resilience-survives]").TextContent);

        // The primary: losing it also stops ACL writes.
        await page.InvokeAsync(() => page.FindComponent<MudSelect<string>>().Instance.SelectOption(lost));
        await page.Find("[data-testid=simulate-outage]").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Contains(lost, page.Find("[data-testid=drill-status]").TextContent), TimeSpan.FromSeconds(30));
        page.WaitForAssertion(() => Assert.All(page.FindAll($"[data-node-role=server][data-zone={lost}]"), s => Assert.Equal("unreachable", s.GetAttribute("data-state"))));
        Assert.All(page.FindAll("[data-node-role=client]"), c => Assert.Equal((surviving, "healthy"), (c.GetAttribute("data-zone"), c.GetAttribute("data-state"))));
        Assert.Single(page.FindAll($"[data-node-role=server][data-zone={surviving}][data-leader]"));
        var broken = page.Find("[data-testid=drill-broken]").TextContent;
        Assert.Contains($"Queries aimed at {lost} fail", broken);
        Assert.Contains("not replicated", broken);
        Assert.Contains($"ACL writes (new tokens and policies) wait for the primary datacenter {lost}", broken);
        Assert.Contains($"Datacenter {surviving} keeps serving with its leader i-", page.Find("[data-testid=drill-works]").TextContent);
        Assert.Equal("degraded", page.Find("[data-testid=cluster-status]").TextContent);
        Assert.Contains("failure-tolerance/" + lost, page.Find("[data-testid=failing-checks]").TextContent);
        Assert.All(new[] { "change", "refresh", "destroy" }, id => Assert.NotNull(page.Find($"[data-testid={id}]")));

        await page.Find("[data-testid=restore-zone]").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Equal("ready", page.Find("[data-testid=cluster-status]").TextContent), TimeSpan.FromSeconds(30));
        Assert.Empty(page.FindAll("[data-testid=drill-status]"));
        Assert.All(page.FindAll("[data-node-role]"), n => Assert.Equal("healthy", n.GetAttribute("data-state")));
        Assert.Equal(3, page.FindAll($"[data-node-role=client][data-zone={lost}]").Count);
    }

    /// <summary>A cluster created through the API and deployed (instantly), its page open as the admin once Consul was verified.</summary>
    [Fact]
    public async Task ClusterDetail_ProgramTab_GeneratedWhenOpenedAndLetGoWhenLeft()
    {
        var page = await OpenReadyAsync("programmed");
        var yaml = await Api.GetStringAsync("/api/v1/clusters/programmed/program", Ct);
        Assert.Empty(page.FindAll("[data-testid=program-yaml]"));

        await page.InvokeAsync(() => Tab(page, "Program").Click());
        page.WaitForAssertion(() => Assert.Equal(yaml.TrimEnd(), page.Find("[data-testid=program-yaml]").TextContent.TrimEnd()), TimeSpan.FromSeconds(10));

        await page.InvokeAsync(() => Tab(page, "Outputs").Click());
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=program-yaml]")));
        Assert.NotEmpty(page.FindAll("[data-testid=outputs]"));
    }

    [Fact]
    public async Task ClusterDetail_TabClosedWhileAnOperationRuns_UnsubscribesFromTheBroadcaster()
    {
        App.Settings["Provisioning:Simulated:TimeScale"] = "1"; // slow: still running when the tab closes
        UsePortalServices();
        var broadcaster = App.Services.GetRequiredService<OperationBroadcaster>();
        var before = broadcaster.SubscriberCount;
        var operationId = (string)(await Api.CreateClusterAsync(new { name = "closed" }))["operation"]!["id"]!;
        var page = Render<ClusterDetail>(p => p.Add(c => c.Name, "closed"));
        page.WaitForElement("[data-testid=operation-progress]");
        page.WaitForAssertion(() => Assert.Equal(before + 1, broadcaster.SubscriberCount)); // the live progress follows the operation

        await DisposeComponentsAsync();

        Assert.Equal(before, broadcaster.SubscriberCount);
        Assert.True((string)(await Api.GetJsonAsync($"/api/v1/operations/{operationId}"))["state"]! is "queued" or "running", "the operation ended first; the test proves nothing");
    }

    [Fact]
    public async Task ClusterDetail_ChangeReviewedThenApplied_ShowsTheDiffThenRunsTheUpdateExactlyAsPreviewed()
    {
        var page = await OpenReadyAsync("resized");

        var (dialogs, changing) = await ReviewClientsAsync(page, "8");

        dialogs.WaitForAssertion(() => Assert.Equal("+0 ~1 −0", dialogs.Find("[data-testid=review-summary]").TextContent.Trim()), TimeSpan.FromSeconds(30));
        var row = Assert.Single(dialogs.FindAll("[data-testid=review-change]"));
        Assert.Contains("clientGroup", row.TextContent);
        Assert.Contains("desiredCapacity, maxSize, minSize — 5 → 8: launches 3 instance(s)", row.TextContent);
        await using (var db = App.CreateDbContext())
            Assert.Equal(5, (await db.Clusters.SingleAsync(c => c.Name == "resized", Ct)).Spec.ClientCount); // reviewing changes nothing

        await dialogs.Find("[data-testid=apply]").ClickAsync(new());
        await changing;

        await using var after = App.CreateDbContext();
        var update = await after.Operations.SingleAsync(o => o.Kind == OperationKind.Update, Ct);
        var preview = await after.Operations.SingleAsync(o => o.Kind == OperationKind.Preview, Ct);
        Assert.Equal(preview.Id, update.PreviewOfId);
        Assert.Equal(8, update.Spec.ClientCount);
        page.WaitForAssertion(() => Assert.Contains("8 clients", page.Find("[data-testid=node-counts]").TextContent), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task ClusterDetail_AppliedWhileTheClusterChanged_SaysSoAndOffersReviewAgain()
    {
        var page = await OpenReadyAsync("raced");
        var (dialogs, _) = await ReviewClientsAsync(page, "7");
        dialogs.WaitForElement("[data-testid=apply]", TimeSpan.FromSeconds(30));

        // Someone else changes the cluster in the meantime: the reviewed diff no longer holds.
        using var patch = new HttpRequestMessage(HttpMethod.Patch, "/api/v1/clusters/raced") { Content = System.Net.Http.Json.JsonContent.Create(new { clientCount = 6 }) };
        var other = JsonNode.Parse(await (await Api.SendAsync(patch, Ct)).Content.ReadAsStringAsync(Ct))!;
        await Api.WaitForOperationAsync((string)other["operation"]!["id"]!);
        await dialogs.Find("[data-testid=apply]").ClickAsync(new());

        dialogs.WaitForAssertion(() => Assert.Contains("changed since preview", dialogs.Find("[data-testid=apply-refused]").TextContent));
        await dialogs.Find("[data-testid=review-again]").ClickAsync(new());
        dialogs.WaitForElement("[data-testid=apply]", TimeSpan.FromSeconds(30));
        await using var db = App.CreateDbContext();
        Assert.Equal(0, await db.Operations.CountAsync(o => o.PreviewOfId != null, Ct));
        Assert.Equal(2, await db.Operations.CountAsync(o => o.Kind == OperationKind.Preview, Ct));
    }

    [Fact]
    public async Task ClusterDetail_ChangeOutOfRange_ShowsTheValidatorsMessageNeverClamping()
    {
        var page = await OpenReadyAsync("bounded");

        var (dialogs, _) = await ReviewClientsAsync(page, "51");

        dialogs.WaitForAssertion(() => Assert.Contains("between 0 and 50", dialogs.Find("[data-testid=change-dialog]").TextContent));
        Assert.Equal("51", dialogs.Find(ChangeClients).GetAttribute("value"));
        Assert.Empty(dialogs.FindAll("[data-testid=review-summary]"));
        await using var db = App.CreateDbContext();
        Assert.Equal(0, await db.Operations.CountAsync(o => o.Kind == OperationKind.Preview, Ct));
    }

    [Fact]
    public async Task ClusterDetail_TimeToLive_ShowsTheCountdownAndTheReminderAndIsExtended()
    {
        var created = await Api.CreateClusterAsync(new { name = "expiring", timeToLiveHours = 3 });
        await Api.WaitForOperationAsync((string)created["operation"]!["id"]!);
        await App.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Portal.Clusters.ClusterExpiry>().Single().RemindAsync(Ct);
        UsePortalServices();
        var dialogs = Render<MudDialogProvider>();
        var page = Render<ClusterDetail>(p => p.Add(c => c.Name, "expiring"));

        page.WaitForAssertion(() => Assert.Contains("expires in 2 h 59 min", page.Find("[data-testid=expires-in]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Contains("expires within a day", page.Find("[data-testid=expiry-reminder]").TextContent);

        var setting = page.Find("[data-testid=ttl]").ClickAsync(new());
        dialogs.WaitForElement("[data-testid=ttl-hours] input, input[data-testid=ttl-hours]").Change("0");
        await dialogs.Find("[data-testid=ttl-set]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.Contains("between 1 and 720 hours", dialogs.Find("[data-testid=ttl-dialog]").TextContent));
        dialogs.Find("[data-testid=ttl-hours] input, input[data-testid=ttl-hours]").Change("48");
        await dialogs.Find("[data-testid=ttl-set]").ClickAsync(new());
        await setting;

        page.WaitForAssertion(() => Assert.Contains("expires in 1 d 23 h", page.Find("[data-testid=expires-in]").TextContent));
        Assert.Empty(page.FindAll("[data-testid=expiry-reminder]")); // it warned of the old expiry
    }

    private const string ChangeClients = "[data-testid=change-clients] input, input[data-testid=change-clients]";

    /// <summary>Opens the Change dialog, enters a client count and asks for the review; the task ends when the dialog closes.</summary>
    private async Task<(IRenderedComponent<MudDialogProvider> Dialogs, Task Changing)> ReviewClientsAsync(IRenderedComponent<ClusterDetail> page, string clients)
    {
        var dialogs = Render<MudDialogProvider>();
        var changing = page.Find("[data-testid=change]").ClickAsync(new());
        dialogs.WaitForElement(ChangeClients).Change(clients);
        await dialogs.Find("[data-testid=review]").ClickAsync(new());
        return (dialogs, changing);
    }

    private static AngleSharp.Dom.IElement Tab(IRenderedComponent<ClusterDetail> page, string text) =>
        page.FindAll(".mud-tab").Single(t => t.TextContent.Trim() == text);

    private async Task<IRenderedComponent<ClusterDetail>> OpenReadyAsync(string name)
    {
        var created = await Api.CreateClusterAsync(new { name });
        await Api.WaitForOperationAsync((string)created["operation"]!["id"]!);
        UsePortalServices();
        var page = Render<ClusterDetail>(p => p.Add(c => c.Name, name));
        page.WaitForAssertion(() => Assert.Equal("healthy", page.Find("[data-testid=health-panel]").GetAttribute("data-health")), TimeSpan.FromSeconds(10));
        return page;
    }
}
