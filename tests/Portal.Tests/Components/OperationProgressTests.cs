using Bunit;
using Portal.Components.Shared;
using Portal.Data;
using Provisioning.Clusters;
using Provisioning.Topology;
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
    public async Task OperationProgress_RunningOperation_UpdatesLiveUntilEveryResourceIsCreated()
    {
        App.Settings["Provisioning:Simulated:TimeScale"] = "0.03";
        UsePortalServices();
        var created = await Api.CreateClusterAsync(new { name = "live" });
        var plan = TopologyPlanBuilder.Build(ClusterSpecValidator.Validate(new ClusterSpecInput { Name = "live", VpcCidr = "10.0.0.0/16" }, ProvisioningCatalog.Default, []).Spec!);
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
}
