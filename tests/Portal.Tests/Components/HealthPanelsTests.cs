using Bunit;
using MudBlazor;
using Portal.Components.Shared;
using Portal.Monitoring;
using Provisioning.Engines;

namespace Portal.Tests.Components;

/// <summary>The health panel and the resilience panel, handed what the simulated engine's Consul reports.</summary>
public sealed class HealthPanelsTests : PortalComponentContext
{
    [Fact]
    public async Task ClusterHealthPanel_AServerMissingFromRaft_NamesTheFailingChecksFirstWithWhatWasSeen()
    {
        var cluster = await SimulatedCluster.DeployAsync(fault: SimulatedHealthFault.MissingVoter);
        var health = await cluster.CheckAsync();
        var failing = health.Checks.Where(c => !c.Passed).Select(c => c.Name).ToList();
        Assert.NotEmpty(failing);

        var panel = Render<ClusterHealthPanel>(p => p.Add(c => c.Health, health).Add(c => c.CanCheck, true));

        Assert.Equal("degraded", panel.Find("[data-testid=health-panel]").GetAttribute("data-health"));
        Assert.Contains(string.Join(", ", failing), panel.Find("[data-testid=failing-checks]").TextContent);
        var checks = panel.FindAll("[data-testid=health-checks] li");
        Assert.Equal(health.Checks.Count, checks.Count);
        Assert.Equal(failing, checks.Take(failing.Count).Select(c => c.GetAttribute("data-check")));
        Assert.All(checks.Take(failing.Count), c => Assert.Contains("✕ failed", c.TextContent));
        var voters = panel.Find($"[data-check='voters/{cluster.Spec.AzA}']");
        Assert.Contains("2 of 3 servers are healthy voters", voters.TextContent);
        Assert.Contains("2 of 2 healthy voters", panel.Find($"[data-health-datacenter={cluster.Spec.AzA}] [data-testid=dc-servers]").TextContent);
        Assert.Contains("WAN members alive: 6 of 6", panel.Find("[data-testid=wan-members]").TextContent);
    }

    [Fact]
    public async Task ClusterHealthPanel_Healthy_ShowsEachDatacentersLeaderAndToleranceAndChecksOnDemand()
    {
        var cluster = await SimulatedCluster.DeployAsync();
        var health = await cluster.CheckAsync();
        var asked = 0;

        var panel = Render<ClusterHealthPanel>(p => p.Add(c => c.Health, health).Add(c => c.CanCheck, true).Add(c => c.OnCheckNow, () => asked++));

        Assert.Empty(panel.FindAll("[data-testid=failing-checks]"));
        foreach (var dc in health.Datacenters)
        {
            var row = panel.Find($"[data-health-datacenter={dc.Name}]");
            Assert.Equal($"{dc.Servers.Single(s => s.Leader).Node} ({dc.Leader})", row.QuerySelector("[data-testid=dc-leader]")!.TextContent);
            Assert.Equal("1 server", row.QuerySelector("[data-testid=dc-tolerance]")!.TextContent);
        }
        await panel.Find("[data-testid=check-now]").ClickAsync(new());
        Assert.Equal(1, asked);
    }

    [Fact]
    public void ClusterHealthPanel_BeforeTheFirstCheckOrWhileBusy_SaysSoAndOffersNoCheck()
    {
        var panel = Render<ClusterHealthPanel>(p => p.Add(c => c.Health, ClusterHealthView.Unknown(6)).Add(c => c.CanCheck, false));

        Assert.Equal("unknown", panel.Find("[data-testid=health-status]").TextContent.Trim());
        Assert.Contains("Not checked yet", panel.Find("[data-testid=health-checked-at]").TextContent);
        Assert.True(panel.Find("[data-testid=check-now]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task ResiliencePanel_BeforeADrill_SaysWhatSurvivesAndStartsTheDrillInTheChosenZone()
    {
        var spec = SimulatedCluster.SpecOf("resilient");
        var started = new List<string>();

        var panel = Render<ResiliencePanel>(p => p.Add(c => c.Spec, spec).Add(c => c.Drillable, true).Add(c => c.OnStartOutage, zone => started.Add(zone)));

        var survives = Words(panel.Find("[data-testid=resilience-survives]"));
        Assert.Contains("Losing 1 server of a datacenter. Quorum is 2 of 3", survives);
        Assert.Contains("Losing 2 leaves that datacenter without a leader", survives);
        Assert.Contains("Losing a whole zone.", survives);
        Assert.Contains("KV data is not replicated", survives);
        Assert.Contains($"ACLs are written in the primary datacenter {spec.AzA}", survives);
        await panel.InvokeAsync(() => panel.FindComponent<MudSelect<string>>().Instance.SelectOption(spec.AzA));
        panel.Find("[data-testid=simulate-outage]").Click();
        Assert.Equal([spec.AzA], started);
    }

    [Fact]
    public async Task ResiliencePanel_SecondaryZoneDown_TheSurvivingPrimaryKeepsItsLeaderAndAclWrites()
    {
        var cluster = await SimulatedCluster.DeployAsync();
        await cluster.TakeZoneDownAsync(cluster.Spec.AzB);
        var health = await cluster.CheckAsync();
        var leader = health.Datacenters.Single(d => d.Name == cluster.Spec.AzA).Servers.Single(s => s.Leader).Node;
        var restored = 0;

        var panel = Render<ResiliencePanel>(p => p.Add(c => c.Spec, cluster.Spec).Add(c => c.ZoneOutage, cluster.Spec.AzB).Add(c => c.Health, health)
            .Add(c => c.Drillable, true).Add(c => c.OnRestore, () => restored++));

        var works = Words(panel.Find("[data-testid=drill-works]"));
        Assert.Contains($"Datacenter {cluster.Spec.AzA} keeps serving with its leader {leader}", works);
        Assert.Contains($"ACL writes (new tokens and policies) still work: the primary datacenter {cluster.Spec.AzA} is up", works);
        var broken = Words(panel.Find("[data-testid=drill-broken]"));
        Assert.Contains($"Queries aimed at {cluster.Spec.AzB} fail", broken);
        Assert.Contains($"The KV store of {cluster.Spec.AzB} is unavailable, and it is not replicated", broken);
        Assert.DoesNotContain("ACL writes", broken);
        Assert.Empty(panel.FindAll("[data-testid=simulate-outage]"));
        panel.Find("[data-testid=restore-zone]").Click();
        Assert.Equal(1, restored);
    }

    [Fact]
    public void ResiliencePanel_NotSimulated_ExplainsButOffersNoDrill()
    {
        var panel = Render<ResiliencePanel>(p => p.Add(c => c.Spec, SimulatedCluster.SpecOf("real")).Add(c => c.Drillable, false));

        Assert.NotEmpty(panel.Find("[data-testid=resilience-survives]").TextContent);
        Assert.Empty(panel.FindAll("[data-testid=simulate-outage]"));
        Assert.Empty(panel.FindAll("[data-testid=drill-zone]"));
    }

    /// <summary>The text as a person reads it: markup's line breaks and indentation are one space.</summary>
    private static string Words(AngleSharp.Dom.IElement element) => System.Text.RegularExpressions.Regex.Replace(element.TextContent, @"\s+", " ");
}
