using System.Globalization;
using System.Text.RegularExpressions;
using Provisioning.Consul;
using Provisioning.Topology;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Provisioning.Pulumi;

/// <summary>
/// Writes a <see cref="TopologyPlan"/> as a Pulumi YAML program (<c>Pulumi.yaml</c>), per
/// pulumi-cli-contract.md. Every scalar gets an explicit style so that a string such as
/// <c>"true"</c> stays a string and numbers stay numbers; every literal <c>$</c> is escaped as
/// <c>$$</c> so that only the plan's own references are interpolated.
/// </summary>
public static partial class PulumiProgramWriter
{
    /// <summary>One project per cluster, so stacks, locks and state never mix between clusters.</summary>
    public static string ProjectName(TopologyPlan plan) => $"consul-{plan.Spec.Name}";

    public static string Write(TopologyPlan plan)
    {
        var root = new YamlMappingNode
        {
            { "name", Text(ProjectName(plan)) },
            { "runtime", Text("yaml") },
            { "description", Text(Escape($"Dual-AZ Consul cluster {plan.Spec.Name} in {plan.Spec.Region} ({string.Join(" + ", plan.Spec.AvailabilityZones)})")) },
            { "config", Config() },
        };
        if (plan.Invocations.Count > 0) root.Add("variables", Variables(plan));
        root.Add("resources", Resources(plan));
        if (plan.Outputs.Count > 0) root.Add("outputs", Map(plan.Outputs));

        // The same bytes on every OS, so a rewritten program only differs when the plan does.
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        // YamlDotNet closes the document explicitly; a single-document file reads better without it.
        var yaml = writer.ToString();
        return yaml.EndsWith("...\n", StringComparison.Ordinal) ? yaml[..^4] : yaml;
    }

    /// <summary>
    /// The cluster's secrets are declared, never given: the engine sets them with <c>config set --secret</c>,
    /// so the program holds none of them. The CA certificate is public and set as plain configuration.
    /// </summary>
    private static YamlMappingNode Config()
    {
        var config = new YamlMappingNode();
        foreach (var parameter in ClusterParameters.All)
        {
            var declaration = new YamlMappingNode { { "type", Text("string") } };
            if (parameter.Secure) declaration.Add("secret", Bool(true));
            config.Add(parameter.ConfigKey, declaration);
        }
        return config;
    }

    private static YamlMappingNode Variables(TopologyPlan plan)
    {
        var variables = new YamlMappingNode();
        foreach (var invocation in plan.Invocations)
        {
            var invoke = new YamlMappingNode
            {
                { "function", Text(invocation.Function) },
                { "arguments", Map(invocation.Arguments) },
            };
            if (invocation.Return is not null) invoke.Add("return", Text(invocation.Return));
            variables.Add(invocation.Variable, new YamlMappingNode { { "fn::invoke", invoke } });
        }
        return variables;
    }

    private static YamlMappingNode Resources(TopologyPlan plan)
    {
        var resources = new YamlMappingNode();
        foreach (var resource in plan.Resources)
        {
            var node = new YamlMappingNode { { "type", Text(resource.Type) }, { "properties", Map(resource.Properties) } };
            // References in properties already order the graph; only the rest needs dependsOn.
            var implied = PlanValues.ReferencedResources(resource.Properties).ToHashSet();
            var explicitOnly = (resource.ExplicitDependsOn ?? []).Where(d => !implied.Contains(d)).Distinct().ToList();
            if (explicitOnly.Count > 0)
                node.Add("options", new YamlMappingNode
                {
                    { "dependsOn", new YamlSequenceNode(explicitOnly.Select(d => Expression($"${{{d}}}"))) },
                });
            resources.Add(resource.Name, node);
        }
        return resources;
    }

    private static YamlMappingNode Map(IEnumerable<KeyValuePair<string, object?>> properties)
    {
        var map = new YamlMappingNode();
        foreach (var (key, value) in properties)
            if (value is not null) map.Add(Text(key), Value(value));
        return map;
    }

    private static YamlNode Value(object value) => value switch
    {
        string s => Text(Escape(s)),
        bool b => Bool(b),
        int or long => new YamlScalarNode(Convert.ToString(value, CultureInfo.InvariantCulture)) { Style = ScalarStyle.Plain },
        ResourceOutput or VariableRef or ConfigRef or Interpolation => Expression(Interpolate(value)),
        ToJson j => Function("fn::toJSON", j.Value),
        ToBase64 b => Function("fn::toBase64", b.Value),
        SecretValue s => Function("fn::secret", s.Value),
        IReadOnlyDictionary<string, object?> map => Map(map),
        IEnumerable<object?> list => new YamlSequenceNode(list.Select(item => item is null
            ? throw new InvalidOperationException("A list in the plan holds null.")
            : Value(item))),
        _ => throw new NotSupportedException($"The plan holds a {value.GetType().Name}, which Pulumi YAML cannot express."),
    };

    private static YamlMappingNode Function(string name, object argument) => new() { { name, Value(argument) } };

    /// <summary>The <c>${…}</c> text of a reference or of a string mixing text and references.</summary>
    private static string Interpolate(object part) => part switch
    {
        string s => Escape(s),
        ResourceOutput r => $"${{{r.Resource}.{r.Property}}}",
        VariableRef { Path: null } v => $"${{{v.Variable}}}",
        VariableRef v => $"${{{v.Variable}.{v.Path}}}",
        ConfigRef c => $"${{{c.Key}}}",
        Interpolation i => string.Concat(i.Parts.Select(Interpolate)),
        _ => throw new NotSupportedException($"A {part.GetType().Name} cannot be part of an interpolated string."),
    };

    /// <summary>Pulumi YAML reads <c>$$</c> as one literal <c>$</c>; a lone <c>${</c> would start an interpolation.</summary>
    public static string Escape(string literal) => literal.Replace("$", "$$", StringComparison.Ordinal);

    private static YamlScalarNode Bool(bool value) => new(value ? "true" : "false") { Style = ScalarStyle.Plain };

    private static YamlScalarNode Expression(string text) => new(text) { Style = ScalarStyle.DoubleQuoted };

    /// <summary>A string that no YAML reader can take for a number, boolean or null.</summary>
    private static YamlScalarNode Text(string text) => new(text)
    {
        Style = text.Contains('\n') ? ScalarStyle.Literal
            : PlainSafe().IsMatch(text) && !LooksTyped(text) ? ScalarStyle.Plain
            : ScalarStyle.DoubleQuoted,
    };

    /// <summary>YAML 1.1 readers also take yes/no/on/off for booleans; quote those too.</summary>
    private static bool LooksTyped(string text) =>
        text.ToLowerInvariant() is "true" or "false" or "null" or "yes" or "no" or "on" or "off" or "y" or "n" or "~"
        || double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_./-]*(:[A-Za-z0-9_./-]+)*$")]
    private static partial Regex PlainSafe();
}
