using Provisioning.Clusters;

namespace Provisioning.Topology;

/// <summary>One resource of the plan: a Pulumi logical name, its canonical type token and inputs.</summary>
public sealed record PlannedResource(
    string Name,
    string Type,
    IReadOnlyDictionary<string, object?> Properties,
    IReadOnlyList<string>? ExplicitDependsOn = null)
{
    /// <summary>Every resource this one waits for: explicit ones and those its properties refer to.</summary>
    public IReadOnlyList<string> DependsOn { get; } =
        (ExplicitDependsOn ?? []).Concat(PlanValues.ReferencedResources(Properties)).Distinct().Order().ToList();

    /// <summary>The part of the type token after the last colon, e.g. <c>Vpc</c>.</summary>
    public string TypeName => Type[(Type.LastIndexOf(':') + 1)..];
}

/// <summary>A function invoked at deploy time whose result the program refers to as a variable.</summary>
public sealed record PlannedInvocation(string Variable, string Function, IReadOnlyDictionary<string, object?> Arguments, string? Return = null);

/// <summary>
/// The typed resource graph of one dual-AZ cluster. Both engines consume it: Pulumi as a
/// YAML program, the simulation by walking it.
/// </summary>
public sealed record TopologyPlan(
    ClusterSpec Spec,
    NetworkLayout Network,
    IReadOnlyList<PlannedResource> Resources,
    IReadOnlyList<PlannedInvocation> Invocations,
    IReadOnlyDictionary<string, object?> Outputs,
    IReadOnlyDictionary<string, string> BootScripts)
{
    public PlannedResource this[string name] => Resources.First(r => r.Name == name);

    /// <summary>
    /// The Consul agent configuration each boot script writes, keyed <c>role/datacenter</c>
    /// (<c>server/eu-west-1a</c>), with the node's id, address and gossip key left as the script's
    /// shell variables: for showing what a cluster runs, never a secret.
    /// </summary>
    public IReadOnlyDictionary<string, string> AgentConfigs { get; init; } = new Dictionary<string, string>();

    /// <summary>Resources grouped in waves: each wave depends only on earlier waves.</summary>
    public IReadOnlyList<IReadOnlyList<PlannedResource>> Waves()
    {
        var done = new HashSet<string>();
        var waves = new List<IReadOnlyList<PlannedResource>>();
        var left = Resources.ToList();
        while (left.Count > 0)
        {
            var wave = left.Where(r => r.DependsOn.All(done.Contains)).ToList();
            if (wave.Count == 0)
                throw new InvalidOperationException($"The plan has a dependency cycle among: {string.Join(", ", left.Select(r => r.Name))}.");
            waves.Add(wave);
            left.RemoveAll(wave.Contains);
            done.UnionWith(wave.Select(r => r.Name));
        }
        return waves;
    }
}
