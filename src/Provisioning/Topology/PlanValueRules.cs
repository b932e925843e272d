using System.Text.RegularExpressions;
using Provisioning.Clusters;

namespace Provisioning.Topology;

/// <summary>A value of the plan that AWS would refuse.</summary>
public sealed record AwsRuleViolation(string Resource, string Property, string Value, AwsValueRule Rule)
{
    public override string ToString() => $"{Resource}.{Property} = '{Value}' breaks the {Rule}";
}

/// <summary>
/// The plan checked against <see cref="AwsValueRules"/>: every literal string property AWS limits, by resource
/// type and property path. Tests run it for the largest inputs of every catalog version.
/// </summary>
public static partial class PlanValueRules
{
    /// <summary>The rule for each literal string property, by resource type and property path.</summary>
    private static readonly Dictionary<(string TypeName, string Property), AwsValueRule> PropertyRules = new()
    {
        [("SecurityGroup", "description")] = AwsValueRules.SecurityGroupDescription,
        [("SecurityGroup", "name")] = AwsValueRules.SecurityGroupName,
        [("SecurityGroup", "namePrefix")] = AwsValueRules.Prefix(AwsValueRules.SecurityGroupName),
        [("SecurityGroupIngressRule", "description")] = AwsValueRules.SecurityGroupDescription,
        [("SecurityGroupEgressRule", "description")] = AwsValueRules.SecurityGroupDescription,
        [("Role", "name")] = AwsValueRules.IamRoleName,
        [("Role", "namePrefix")] = AwsValueRules.Prefix(AwsValueRules.IamRoleName),
        [("InstanceProfile", "name")] = AwsValueRules.IamName128,
        [("InstanceProfile", "namePrefix")] = AwsValueRules.Prefix(AwsValueRules.IamName128),
        [("RolePolicy", "name")] = AwsValueRules.IamName128,
        [("RolePolicy", "namePrefix")] = AwsValueRules.Prefix(AwsValueRules.IamName128),
        [("Policy", "name")] = AwsValueRules.IamName128,
        [("Policy", "namePrefix")] = AwsValueRules.Prefix(AwsValueRules.IamName128),
        [("LaunchTemplate", "name")] = AwsValueRules.LaunchTemplateName,
        [("LaunchTemplate", "namePrefix")] = AwsValueRules.Prefix(AwsValueRules.LaunchTemplateName),
        [("LogGroup", "name")] = AwsValueRules.LogGroupName,
        [("Parameter", "name")] = AwsValueRules.ParameterName,
        [("Bucket", "bucket")] = AwsValueRules.BucketName,
        [("Alias", "name")] = AwsValueRules.KmsAlias,
        [("Group", "name")] = AwsValueRules.AutoScalingGroupName,
        [("Group", "initialLifecycleHooks[].name")] = AwsValueRules.LifecycleHookName,
        [("LifecycleHook", "name")] = AwsValueRules.LifecycleHookName,
    };

    /// <summary>Every literal value of the plan that AWS would refuse, naming the resource, the property and the rule.</summary>
    public static IReadOnlyList<AwsRuleViolation> Check(TopologyPlan plan)
    {
        var violations = new List<AwsRuleViolation>();
        foreach (var resource in plan.Resources)
            foreach (var (path, value) in Strings(resource.Properties, ""))
            {
                if (RuleFor(resource.TypeName, path) is { } rule && !rule.Allows(value))
                    violations.Add(new(resource.Name, path, value, rule));
            }
        return violations;
    }

    private static AwsValueRule? RuleFor(string typeName, string path)
    {
        if (PropertyRules.TryGetValue((typeName, path), out var rule)) return rule;
        // Tags come as maps (tags.Name) or, on auto-scaling groups, as lists of {key, value}.
        if (path.EndsWith("tags[].key", StringComparison.Ordinal) || path.EndsWith("tags{key}", StringComparison.Ordinal)) return AwsValueRules.TagKey;
        if (path.EndsWith("tags[].value", StringComparison.Ordinal) || TagMapEntry().IsMatch(path)) return AwsValueRules.TagValue;
        return null;
    }

    /// <summary>
    /// The literal strings of a value with their paths: lists as <c>[]</c>, maps by key; the keys of a
    /// tag map are values too (<c>tags{key}</c>), since AWS limits them as well.
    /// </summary>
    private static IEnumerable<(string Path, string Value)> Strings(object? value, string path) => value switch
    {
        string s => [(path, s)],
        IReadOnlyDictionary<string, object?> map => map.SelectMany(kv =>
            (path == "tags" || path.EndsWith(".tags", StringComparison.Ordinal) ? [($"{path}{{key}}", kv.Key)] : Enumerable.Empty<(string, string)>())
            .Concat(Strings(kv.Value, path.Length == 0 ? kv.Key : $"{path}.{kv.Key}"))),
        IEnumerable<object?> list => list.SelectMany(item => Strings(item, path + "[]")),
        _ => [],
    };

    /// <summary><c>tags.Name</c> or <c>tagSpecifications[].tags.Name</c>: an entry of a tag map.</summary>
    [GeneratedRegex(@"(^|\.)tags\.[^.\[\]{}]+$")]
    private static partial Regex TagMapEntry();
}
