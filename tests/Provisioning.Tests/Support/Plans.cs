using Provisioning.Clusters;
using Provisioning.Topology;
using TestSupport;

namespace Provisioning.Tests.Support;

public static class Plans
{
    public static TopologyPlan Build(string name = "alpha") =>
        TopologyPlanBuilder.Build(ClusterSpecValidator.Validate(new ClusterSpecInput { Name = name }, ShippedCatalog.Value, []).Spec!);
}
