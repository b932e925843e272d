using AngleSharp.Dom;
using Bunit;
using Portal.Components.Shared;
using Portal.Components.Shared.Topology;
using Portal.Deployments;
using Portal.Monitoring;
using Provisioning.Engines;
using Provisioning.Topology;

namespace Portal.Tests.Components;

public sealed class TopologyPictureTests : PortalComponentContext
{
    [Fact]
    public async Task TopologyPicture_Deploying_NodesAndGatewaysTakeTheirResourcesStatesLive()
    {
        var cluster = await SimulatedCluster.DeployAsync();
        var resources = cluster.Resources(
            (TopologyPlanBuilder.InternetGateway, EventTypes.ResourceStarted), (TopologyPlanBuilder.InternetGateway, EventTypes.ResourceSucceeded),
            (TopologyPlanBuilder.NatGateway(0), EventTypes.ResourceStarted),
            (TopologyPlanBuilder.ServerGroup(0), EventTypes.ResourceStarted), (TopologyPlanBuilder.ServerGroup(0), EventTypes.ResourceSucceeded),
            (TopologyPlanBuilder.ServerGroup(1), EventTypes.ResourceStarted), (TopologyPlanBuilder.ServerGroup(1), EventTypes.ResourceFailed));

        // A first deployment: the engine has reported no instances yet, so the planned ones are drawn.
        var picture = Render<TopologyPicture>(p => p
            .Add(c => c.ClusterName, "pictured").Add(c => c.Spec, cluster.Spec).Add(c => c.Resources, resources));

        Assert.Equal("deployment", picture.Find("[data-testid=topology]").GetAttribute("data-mode"));
        Assert.All(ServersIn(picture, cluster.Spec.AzA), s => Assert.Equal("created", s.GetAttribute("data-state")));
        Assert.All(ServersIn(picture, cluster.Spec.AzB), s => Assert.Equal("failed", s.GetAttribute("data-state")));
        Assert.Equal(cluster.Spec.ServersPerAz * 2, picture.FindAll("[data-node-role=server]").Count);
        var clients = picture.FindAll("[data-node-role=client]");
        Assert.Equal(cluster.Spec.ClientCount, clients.Count);
        Assert.All(clients, c => Assert.Equal("pending", c.GetAttribute("data-state")));
        Assert.Equal("created", picture.Find("[data-gateway=internet]").GetAttribute("data-state"));
        Assert.Equal("creating", picture.Find($"[data-zone='{cluster.Spec.AzA}'] [data-gateway=nat]").GetAttribute("data-state"));
        Assert.Equal("pending", picture.Find($"[data-zone='{cluster.Spec.AzB}'] [data-gateway=nat]").GetAttribute("data-state"));
        Assert.Equal("failed", picture.Find("[data-testid=wan-link]").GetAttribute("data-state"));

        // Not by colour alone: each server says its state in words.
        Assert.Contains("✕ failed", ServersIn(picture, cluster.Spec.AzB)[0].TextContent);
        Assert.Contains("✓ created", ServersIn(picture, cluster.Spec.AzA)[0].TextContent);
    }

    [Fact]
    public async Task TopologyPicture_ReadyAndHealthy_EveryNodeHealthyAndOneLeaderMarkedPerDatacenter()
    {
        var cluster = await SimulatedCluster.DeployAsync();
        var health = await cluster.CheckAsync();

        var picture = RenderDeployed(cluster, health);

        Assert.Equal("health", picture.Find("[data-testid=topology]").GetAttribute("data-mode"));
        Assert.All(picture.FindAll("[data-node-role]"), n => Assert.Equal("healthy", n.GetAttribute("data-state")));
        foreach (var zone in cluster.Spec.AvailabilityZones)
        {
            // The real instance ids: the engine's outputs and Consul's own view agree.
            Assert.Equal(cluster.ServersOf(zone).Select(s => (string)s["instanceId"]!), ServersIn(picture, zone).Select(s => s.GetAttribute("data-node")));
            var leader = Assert.Single(ServersIn(picture, zone), s => s.HasAttribute("data-leader"));
            Assert.Equal(health.Datacenters.Single(d => d.Name == zone).Servers.Single(s => s.Leader).Node, leader.GetAttribute("data-node"));
            // Marked visibly and in text, for sight and for screen readers alike.
            Assert.Contains("★ leader", leader.QuerySelector("[data-testid=leader-mark]")!.TextContent);
            Assert.Contains(", leader", leader.QuerySelector("button")!.GetAttribute("aria-label"));
        }
        Assert.Equal("healthy", picture.Find("[data-testid=wan-link]").GetAttribute("data-state"));
        Assert.Contains("6 of 6 servers alive", picture.Find("[data-testid=topology-caption]").TextContent);
    }

    [Fact]
    public async Task TopologyPicture_DegradedWithAnUnhealthyServer_ThatServerIsUnhealthyAndNamedAsSuch()
    {
        var cluster = await SimulatedCluster.DeployAsync(fault: SimulatedHealthFault.NoFailureTolerance);
        var health = await cluster.CheckAsync();
        var sick = health.Datacenters.SelectMany(d => d.Servers).Single(s => !s.Healthy);

        var picture = RenderDeployed(cluster, health);

        var node = picture.Find($"[data-node='{sick.Node}']");
        Assert.Equal("unhealthy", node.GetAttribute("data-state"));
        Assert.Contains("! unhealthy", node.TextContent);
        Assert.All(picture.FindAll("[data-node-role=server]").Where(n => n.GetAttribute("data-node") != sick.Node),
            n => Assert.Equal("healthy", n.GetAttribute("data-state")));
        Assert.Contains("tolerates 0 server failures", picture.Find($"[data-zone='{cluster.Spec.AzA}'] [data-testid=datacenter-summary]").TextContent);
    }

    [Fact]
    public async Task TopologyPicture_ZoneDownInADrill_ItsDatacenterUnreachableAndEveryClientInTheSurvivingZone()
    {
        var cluster = await SimulatedCluster.DeployAsync();
        var (lost, surviving) = (cluster.Spec.AzA, cluster.Spec.AzB);
        await cluster.TakeZoneDownAsync(lost);
        var health = await cluster.CheckAsync();

        var picture = RenderDeployed(cluster, health, zoneOutage: lost);

        Assert.All(ServersIn(picture, lost), s => Assert.Equal("unreachable", s.GetAttribute("data-state")));
        Assert.All(ServersIn(picture, surviving), s => Assert.Equal("healthy", s.GetAttribute("data-state")));
        Assert.Single(ServersIn(picture, surviving), s => s.HasAttribute("data-leader"));
        Assert.DoesNotContain(ServersIn(picture, lost), s => s.HasAttribute("data-leader"));
        // The group relaunched the lost zone's clients where they can run, and they joined that datacenter.
        var clients = picture.FindAll("[data-node-role=client]");
        Assert.Equal(cluster.Spec.ClientCount, clients.Count);
        Assert.All(clients, c => Assert.Equal((surviving, "healthy"), (c.GetAttribute("data-zone"), c.GetAttribute("data-state"))));
        Assert.Equal("unreachable", picture.Find($"[data-zone='{lost}'] [data-gateway=nat]").GetAttribute("data-state"));
        Assert.Equal("unhealthy", picture.Find("[data-testid=wan-link]").GetAttribute("data-state"));
        Assert.Contains("unreachable", picture.Find($"[data-zone='{lost}'] [data-testid=datacenter-summary]").TextContent);
    }

    [Fact]
    public void TopologyPicture_ZoneDownBeforeTheEngineMovedTheClients_DrawsThemWhereTheGroupRelaunchesThem()
    {
        var spec = SimulatedCluster.SpecOf("pictured");

        var picture = Render<TopologyPicture>(p => p
            .Add(c => c.ClusterName, "pictured").Add(c => c.Spec, spec).Add(c => c.ZoneOutage, spec.AzA)
            .Add(c => c.Health, ClusterHealthView.Unknown(6)));

        var clients = picture.FindAll("[data-node-role=client]");
        Assert.All(clients, c => Assert.Equal(spec.AzB, c.GetAttribute("data-zone")));
        Assert.Equal(3, clients.Count(c => c.GetAttribute("data-moved-from") == spec.AzA));
        Assert.Contains($"3 moved here from {spec.AzA}", picture.Find($"[data-zone='{spec.AzB}']").TextContent);
    }

    [Fact]
    public async Task TopologyPicture_NodeClicked_ShowsItsInstanceAddressRoleVersionAndLastCheck_AndAgainHidesThem()
    {
        var cluster = await SimulatedCluster.DeployAsync();
        var health = await cluster.CheckAsync();
        var leader = health.Datacenters[0].Servers.Single(s => s.Leader);
        var address = (string)cluster.ServersOf(cluster.Spec.AzA).Single(s => (string)s["instanceId"]! == leader.Node)["privateIp"]!;
        var picture = RenderDeployed(cluster, health);
        Assert.Empty(picture.FindAll("[data-testid=node-details]"));

        // A real button: Enter and Space press it as they press any button, and it says whether it is pressed.
        var button = picture.Find($"[data-node='{leader.Node}'] button");
        Assert.Equal("button", button.GetAttribute("type"));
        await button.ClickAsync(new());

        var details = picture.Find("[data-testid=node-details]");
        Assert.Equal(leader.Node, details.QuerySelector("[data-testid=node-instance]")!.TextContent);
        Assert.Equal(address, details.QuerySelector("[data-testid=node-address]")!.TextContent);
        Assert.Equal("server, the datacenter's leader", details.QuerySelector("[data-testid=node-role]")!.TextContent);
        Assert.Equal(cluster.Spec.ConsulVersion, details.QuerySelector("[data-testid=node-version]")!.TextContent);
        Assert.Equal(HealthText.Time(health.CheckedAt!.Value), details.QuerySelector("[data-testid=node-last-check]")!.TextContent);
        Assert.Equal("true", picture.Find($"[data-node='{leader.Node}'] button").GetAttribute("aria-pressed"));

        var client = picture.FindAll("[data-node-role=client]")[0];
        await client.QuerySelector("button")!.ClickAsync(new());
        Assert.Equal("client", picture.Find("[data-testid=node-role]").TextContent);
        Assert.Equal(client.GetAttribute("data-node"), picture.Find("[data-testid=node-instance]").TextContent);

        await picture.Find($"[data-node='{client.GetAttribute("data-node")}'] button").ClickAsync(new());
        Assert.Empty(picture.FindAll("[data-testid=node-details]"));
    }

    [Fact]
    public async Task TopologyPicture_Always_HasATextAlternativeAndANamedButtonPerNode()
    {
        var cluster = await SimulatedCluster.DeployAsync();
        var picture = RenderDeployed(cluster, await cluster.CheckAsync());

        var svg = picture.Find("svg[data-testid=topology]");
        Assert.Equal("Topology of pictured", svg.QuerySelector("title")!.TextContent);
        Assert.Contains($"{cluster.Spec.AzA} (primary): 3 servers (3 healthy), leader i-", svg.QuerySelector("desc")!.TextContent);
        var nodes = picture.FindAll("[data-node-role]");
        Assert.All(nodes, n => Assert.Matches(@"^(Server|Client) \d+ in [a-z0-9-]+, i-[0-9a-f]+, healthy", n.QuerySelector("button")!.GetAttribute("aria-label")));
    }

    private IRenderedComponent<TopologyPicture> RenderDeployed(SimulatedCluster cluster, ClusterHealthView health, string? zoneOutage = null) =>
        Render<TopologyPicture>(p => p
            .Add(c => c.ClusterName, cluster.Spec.Name).Add(c => c.Spec, cluster.Spec).Add(c => c.Outputs, cluster.Outputs)
            .Add(c => c.Health, health).Add(c => c.ZoneOutage, zoneOutage));

    private static IReadOnlyList<IElement> ServersIn(IRenderedComponent<TopologyPicture> picture, string zone) =>
        picture.FindAll($"[data-node-role=server][data-zone='{zone}']");
}
