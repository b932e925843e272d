using Bunit;
using Portal.Components.Shared;
using Portal.Components.Shared.Topology;
using Portal.Data;
using Provisioning.Clusters;
using Provisioning.Topology;
using TestSupport;
using TestSupport.Portal;

namespace Portal.Tests.Components;

public sealed class OperationProgressTests : PortalComponentContext
{
    [Fact]
    public async Task OperationProgress_OperationFinishedBeforeItsFirstRead_RaisesTheChangeFromTheStateThePageKnew()
    {
        App.Settings["Provisioning:Simulated:TimeScale"] = "0";
        UsePortalServices();
        var created = await Api.CreateClusterAsync(new { name = "quick" });
        var operationId = (string)created["operation"]!["id"]!;
        await Api.WaitForOperationAsync(operationId);
        var raised = new List<OperationState>();

        // The page read the operation while it was still queued; it finished before this component's first read.
        var progress = Render<OperationProgress>(p => p
            .Add(c => c.OperationId, Guid.Parse(operationId))
            .Add(c => c.KnownState, OperationState.Queued)
            .Add(c => c.OnStateChanged, state => raised.Add(state)));

        progress.WaitForAssertion(() => Assert.Equal([OperationState.Succeeded], raised), TimeSpan.FromSeconds(10));
        Assert.Contains("succeeded", progress.Find("[data-testid=operation-state]").TextContent);
    }

    [Fact]
    public async Task OperationProgress_CancelledWhileCreating_ShowsUnfinishedResourcesCancelledAndCountsThemAlike()
    {
        App.Settings["Provisioning:Simulated:TimeScale"] = "0.05";
        UsePortalServices();
        var created = await Api.CreateClusterAsync(new { name = "stopped" });
        var operationId = (string)created["operation"]!["id"]!;
        await WaitUntilAsync(async () => (int)(await Api.GetJsonAsync($"/api/v1/operations/{operationId}"))["progress"]!["done"]! >= 3);
        (await Api.PostAsync($"/api/v1/operations/{operationId}/cancel", null, Xunit.TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        Assert.Equal("cancelled", (string)(await Api.WaitForOperationAsync(operationId))["state"]!);
        var plan = TopologyPlanBuilder.Build(SimulatedCluster.SpecOf("stopped"));

        var progress = Render<OperationProgress>(p => p
            .Add(c => c.OperationId, Guid.Parse(operationId))
            .Add(c => c.Resources, plan.Resources.Select(r => (r.Name, r.Type)).ToList()));

        progress.WaitForAssertion(() => Assert.Contains("cancelled", progress.Find("[data-testid=operation-state]").TextContent), TimeSpan.FromSeconds(10));
        var states = progress.FindAll("tr[data-resource]").Select(r => r.GetAttribute("data-state")).ToList();
        var cancelled = states.Count(s => s == "cancelled");
        Assert.True(cancelled > 0, string.Join(", ", states));
        Assert.DoesNotContain("failed", states);
        var header = progress.Find("[data-testid=progress-text]").TextContent;
        Assert.EndsWith($", {cancelled} cancelled", header);
        Assert.DoesNotContain("failed", header);
        Assert.DoesNotContain('\0', progress.Markup);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(50, Xunit.TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task OperationProgress_RunningOperation_UpdatesLiveUntilEveryResourceIsCreated()
    {
        App.Settings["Provisioning:Simulated:TimeScale"] = "0.03";
        UsePortalServices();
        var created = await Api.CreateClusterAsync(new { name = "live" });
        var plan = TopologyPlanBuilder.Build(ClusterSpecValidator.Validate(new ClusterSpecInput { Name = "live", VpcCidr = "10.0.0.0/16" }, ShippedCatalog.Value, []).Spec!);
        var resources = plan.Resources.Select(r => (r.Name, r.Type)).ToList();

        var progress = Render<OperationProgress>(p => p
            .Add(c => c.OperationId, Guid.Parse((string)created["operation"]!["id"]!))
            .Add(c => c.Resources, resources));

        // Seen without any re-render asked for by the test: the component follows the broadcaster.
        var seen = new HashSet<string>();
        progress.WaitForAssertion(() =>
        {
            var text = progress.Find("[data-testid=progress-text]").TextContent;
            seen.Add(text);
            Assert.StartsWith($"{plan.Resources.Count} of {plan.Resources.Count} resources", text);
        }, TimeSpan.FromSeconds(60));
        Assert.True(seen.Count >= 2, $"expected intermediate progress, saw only: {string.Join(" | ", seen)}");

        var rows = progress.FindAll("tr[data-resource]");
        Assert.Equal(plan.Resources.Select(r => r.Name).Order(), rows.Select(r => r.GetAttribute("data-resource")!).Order());
        Assert.All(rows, row => Assert.Equal("created", row.GetAttribute("data-state")));
        progress.WaitForAssertion(() => Assert.Contains("succeeded", progress.Find("[data-testid=operation-state]").TextContent), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task OperationProgress_WithTheClustersZones_GroupsResourcesByZoneAndSharedWithTheirDurations_AndFinishedGroupsFold()
    {
        App.Settings["Provisioning:Simulated:TimeScale"] = "0.01";
        UsePortalServices();
        var created = await Api.CreateClusterAsync(new { name = "grouped" });
        var operationId = (string)created["operation"]!["id"]!;
        await Api.WaitForOperationAsync(operationId);
        var spec = ClusterSpecValidator.Validate(new ClusterSpecInput { Name = "grouped", VpcCidr = "10.0.0.0/16" }, ShippedCatalog.Value, []).Spec!;
        var plan = TopologyPlanBuilder.Build(spec);
        IReadOnlyList<ResourceRow> raised = [];

        var progress = Render<OperationProgress>(p => p
            .Add(c => c.OperationId, Guid.Parse(operationId))
            .Add(c => c.Resources, plan.Resources.Select(r => (r.Name, r.Type)).ToList())
            .Add(c => c.Zones, spec.AvailabilityZones)
            .Add(c => c.OnResourcesChanged, rows => raised = rows));

        progress.WaitForAssertion(() => Assert.Contains("succeeded", progress.Find("[data-testid=operation-state]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Equal([spec.AzA, spec.AzB, "shared"], progress.FindAll("tbody[data-group]").Select(g => g.GetAttribute("data-group")));
        string GroupOf(string resource) => progress.Find($"tr[data-resource={resource}]").ParentElement!.GetAttribute("data-group")!;
        Assert.Equal(spec.AzA, GroupOf(TopologyPlanBuilder.ServerGroup(0)));
        Assert.Equal(spec.AzB, GroupOf(TopologyPlanBuilder.NatGateway(1)));
        Assert.Equal("shared", GroupOf(TopologyPlanBuilder.Vpc));
        Assert.Equal("shared", GroupOf(TopologyPlanBuilder.ClientGroup)); // it spans both zones
        Assert.Equal(plan.Resources.Count, progress.FindAll("tr[data-resource]").Count);
        Assert.Equal(plan.Resources.Count, raised.Count(r => r.State == ResourceState.Done));

        // Everything went well, so the groups fold away; each opens on its own.
        Assert.All(progress.FindAll("tr[data-resource]"), row => Assert.True(row.HasAttribute("hidden")));
        var toggle = progress.Find($"tbody[data-group={spec.AzA}] [data-testid=resource-group-toggle]");
        Assert.Equal("false", toggle.GetAttribute("aria-expanded"));
        Assert.Contains("9 of 9 done", toggle.TextContent);
        await toggle.ClickAsync(new());
        Assert.Equal("true", progress.Find($"tbody[data-group={spec.AzA}] [data-testid=resource-group-toggle]").GetAttribute("aria-expanded"));
        Assert.All(progress.FindAll($"tbody[data-group={spec.AzA}] tr[data-resource]"), row => Assert.False(row.HasAttribute("hidden")));
        var durations = progress.FindAll($"tbody[data-group={spec.AzA}] [data-testid=resource-duration]");
        Assert.Equal(9, durations.Count);
        Assert.All(durations, d => Assert.Matches(@"^\d+(\.\d)? (ms|s)$|^\d+ min \d\d s$", d.TextContent));
        // A folded group keeps its rows' states readable, but renders none of their cells.
        Assert.Empty(progress.FindAll("tbody[data-group=shared] [data-testid=resource-state]"));
        Assert.All(progress.FindAll("tbody[data-group=shared] tr[data-resource]"), row => Assert.True(row.HasAttribute("hidden")));
    }
}
