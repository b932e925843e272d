using Provisioning.Topology;
using YamlDotNet.Serialization;

namespace Provisioning.Pulumi;

/// <summary>
/// PLACEHOLDER, to be replaced on merge by the real writer from the program-writer branch
/// (same namespace and signature). It writes only enough Pulumi YAML for the engine and the
/// fake CLI: plain property values and <c>${resource.property}</c> references; every other
/// deploy-time value (variables, config, fn::*) is left out, so its output cannot deploy.
/// </summary>
public static class PulumiProgramWriter
{
    public static string Write(TopologyPlan plan)
    {
        var resources = new Dictionary<string, object?>();
        foreach (var resource in plan.Resources)
        {
            var entry = new Dictionary<string, object?>
            {
                ["type"] = resource.Type,
                ["properties"] = Plain(resource.Properties),
            };
            if (resource.DependsOn.Count > 0)
                entry["options"] = new Dictionary<string, object?> { ["dependsOn"] = resource.DependsOn.Select(d => $"${{{d}}}").ToList() };
            resources[resource.Name] = entry;
        }
        var program = new Dictionary<string, object?>
        {
            ["name"] = plan.Spec.Name,
            ["runtime"] = "yaml",
            ["description"] = $"Consul cluster {plan.Spec.Name} (placeholder program)",
            ["resources"] = resources,
            ["outputs"] = Plain(plan.Outputs),
        };
        return new SerializerBuilder().WithQuotingNecessaryStrings().Build().Serialize(program);
    }

    private static object? Value(object? value) => value switch
    {
        ResourceOutput r => $"${{{r.Resource}.{r.Property}}}",
        PlanValue => Skip,
        string s => s.Replace("${", "$${", StringComparison.Ordinal),
        IReadOnlyDictionary<string, object?> map => Plain(map),
        IEnumerable<object?> list => list.Select(Value).Where(v => v != Skip).ToList(),
        _ => value,
    };

    private static Dictionary<string, object?> Plain(IReadOnlyDictionary<string, object?> map) =>
        map.Select(kv => (kv.Key, Value: Value(kv.Value))).Where(kv => kv.Value != Skip).ToDictionary(kv => kv.Key, kv => kv.Value);

    private static readonly object Skip = new();
}
