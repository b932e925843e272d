using Portal.Components.Shared;
using Portal.Data;

namespace Portal.Tests.Components;

/// <summary>The one rule by which every page shows a cluster's status, given the operation queued or running on it.</summary>
public sealed class ClusterStatusRuleTests
{
    [Theory]
    [InlineData(ClusterStatus.Failed, OperationKind.Create, ClusterStatus.Provisioning)] // a failed create being retried
    [InlineData(ClusterStatus.Failed, OperationKind.Update, ClusterStatus.Provisioning)]
    [InlineData(ClusterStatus.Ready, OperationKind.Update, ClusterStatus.Provisioning)]
    [InlineData(ClusterStatus.Failed, OperationKind.Destroy, ClusterStatus.Destroying)]
    [InlineData(ClusterStatus.Requested, OperationKind.Create, ClusterStatus.Requested)] // queued, not started yet
    [InlineData(ClusterStatus.Ready, OperationKind.Preview, ClusterStatus.Ready)] // a preview changes nothing
    [InlineData(ClusterStatus.Degraded, OperationKind.Refresh, ClusterStatus.Degraded)]
    [InlineData(ClusterStatus.Ready, OperationKind.ZoneOutage, ClusterStatus.Ready)]
    public void ShownStatus_OperationActive_ShowsWhatTheClusterIsBecoming(ClusterStatus stored, OperationKind active, ClusterStatus shown) =>
        Assert.Equal(shown, ClusterStatusChip.ShownStatus(stored, active));

    [Theory]
    [InlineData(ClusterStatus.Failed)]
    [InlineData(ClusterStatus.Ready)]
    [InlineData(ClusterStatus.Destroyed)]
    public void ShownStatus_NoOperationActive_ShowsTheStoredStatus(ClusterStatus stored) =>
        Assert.Equal(stored, ClusterStatusChip.ShownStatus(stored, null));
}
