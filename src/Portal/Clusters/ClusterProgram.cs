using Portal.Data;
using Provisioning.Pulumi;
using Provisioning.Topology;

namespace Portal.Clusters;

/// <summary>What a cluster is made of, as users may read it: the Pulumi program and the rendered boot scripts.</summary>
public sealed record ClusterProgram(string Yaml, IReadOnlyDictionary<string, string> BootScripts)
{
    public static ClusterProgram Of(Cluster cluster)
    {
        var plan = TopologyPlanBuilder.Build(cluster.Spec);
        return new ClusterProgram(PulumiProgramWriter.Write(plan), plan.BootScripts);
    }
}
