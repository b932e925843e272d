using System.Globalization;
using System.Text.Json;
using TestSupport;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Provisioning.Tests.Support;

/// <summary>
/// Checks a Pulumi YAML program against ../shared/data/pulumi-aws-subset.json: every resource type,
/// function, property and nested property must exist, required inputs must be present, and every
/// value must be of the kind the schema declares (a quoted "true" is a string, a plain true a boolean).
/// References must name a resource output, a variable or a config key.
/// </summary>
internal sealed class PulumiAwsSchema
{
    private static readonly Lazy<PulumiAwsSchema> Shared = new(() => new(File.ReadAllText(SharedData.Path("pulumi-aws-subset.json"))));

    private static readonly HashSet<string> TopLevelKeys = ["name", "runtime", "description", "config", "variables", "resources", "outputs"];
    private static readonly HashSet<string> OptionKeys =
        ["dependsOn", "protect", "deleteBeforeReplace", "ignoreChanges", "customTimeouts", "version", "provider", "parent", "additionalSecretOutputs", "aliases", "replaceOnChanges", "retainOnDelete"];

    private readonly JsonElement _resources, _types, _functions;
    private readonly HashSet<string> _skippedTypes, _implicitOutputs;

    private PulumiAwsSchema(string json)
    {
        var root = JsonDocument.Parse(json).RootElement;
        _resources = root.GetProperty("resources");
        _types = root.GetProperty("types");
        _functions = root.GetProperty("functions");
        _skippedTypes = root.GetProperty("skippedTypes").EnumerateArray().Select(e => e.GetString()!).ToHashSet();
        _implicitOutputs = root.GetProperty("implicitResourceOutputs").EnumerateArray().Select(e => e.GetString()!).ToHashSet();
    }

    /// <summary>Skips the calling test locally when the reference data is absent; fails in CI.</summary>
    public static PulumiAwsSchema Load() => Shared.Value;

    public IReadOnlyList<string> Check(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents.Single().RootNode;
        return new ProgramCheck(this, root).Run();
    }

    /// <summary>The canonical token of a resource written canonically or in YAML shorthand.</summary>
    private JsonElement? Resource(string token)
    {
        if (_resources.TryGetProperty(token, out var resource)) return resource;
        foreach (var candidate in _resources.EnumerateObject())
            if (candidate.Value.GetProperty("yamlShorthand").GetString() == token) return candidate.Value;
        return null;
    }

    private JsonElement? Function(string token)
    {
        if (_functions.TryGetProperty(token, out var function)) return function;
        var expanded = token.Count(c => c == ':') == 1 ? token.Replace("aws:", "aws:index:") : token;
        foreach (var candidate in _functions.EnumerateObject())
        {
            var shorthand = candidate.Value.GetProperty("yamlShorthand").GetString();
            if (shorthand == token || shorthand == expanded) return candidate.Value;
            var parts = candidate.Name.Split(':', '/');
            if (parts.Length == 4 && $"{parts[0]}:{parts[1]}:{parts[3]}" == expanded) return candidate.Value;
        }
        return null;
    }

    private sealed class ProgramCheck(PulumiAwsSchema schema, YamlMappingNode root)
    {
        private readonly List<string> _problems = [];
        private readonly Dictionary<string, HashSet<string>> _resourceOutputs = [];
        private readonly HashSet<string> _variables = [], _config = [];

        public IReadOnlyList<string> Run()
        {
            foreach (var (key, _) in root.Children)
                if (!TopLevelKeys.Contains(Scalar(key))) Problem("", $"unknown top-level key '{Scalar(key)}'");
            if (Child(root, "name") is not YamlScalarNode { Value.Length: > 0 }) Problem("", "the program has no name");
            if (Child(root, "runtime") is not YamlScalarNode { Value: "yaml" }) Problem("", "runtime must be yaml");

            if (Child(root, "config") is YamlMappingNode config)
                foreach (var (key, value) in config.Children)
                {
                    _config.Add(Scalar(key));
                    if (value is YamlMappingNode declared && Child(declared, "type") is YamlScalarNode { Value: not ("string" or "integer" or "boolean") })
                        Problem($"config.{Scalar(key)}", "unknown config type");
                }

            if (Child(root, "resources") is not YamlMappingNode resources)
            {
                Problem("", "the program has no resources");
                resources = new YamlMappingNode();
            }
            foreach (var (key, value) in resources.Children)
            {
                var type = Child((YamlMappingNode)value, "type") is YamlScalarNode t ? t.Value! : "";
                _resourceOutputs[Scalar(key)] = schema.Resource(type) is { } r
                    ? [.. r.GetProperty("outputs").EnumerateArray().Select(o => o.GetString()!), .. schema._implicitOutputs]
                    : [];
            }

            if (Child(root, "variables") is YamlMappingNode variables)
            {
                foreach (var (key, _) in variables.Children) _variables.Add(Scalar(key));
                foreach (var (key, value) in variables.Children) CheckVariable(Scalar(key), value);
            }
            foreach (var (key, value) in resources.Children) CheckResource(Scalar(key), value);
            if (Child(root, "outputs") is YamlMappingNode outputs)
                foreach (var (key, value) in outputs.Children) CheckValue($"outputs.{Scalar(key)}", value, "any", null);
            return _problems;
        }

        private void CheckVariable(string name, YamlNode node)
        {
            var path = $"variables.{name}";
            if (node is not YamlMappingNode map || Child(map, "fn::invoke") is not YamlMappingNode invoke || map.Children.Count != 1)
            {
                Problem(path, "a variable must be one fn::invoke");
                return;
            }
            var token = Child(invoke, "function") is YamlScalarNode f ? f.Value! : "";
            if (schema.Function(token) is not { } function)
            {
                Problem(path, $"unknown function '{token}'");
                return;
            }
            CheckObject($"{path}.arguments", Child(invoke, "arguments") ?? new YamlMappingNode(), function.GetProperty("inputs"));
            if (Child(invoke, "return") is YamlScalarNode { Value: { } returned }
                && !function.GetProperty("outputs").EnumerateArray().Any(o => o.GetString() == returned))
                Problem(path, $"'{token}' has no result '{returned}'");
        }

        private void CheckResource(string name, YamlNode node)
        {
            var path = $"resources.{name}";
            if (node is not YamlMappingNode map) { Problem(path, "a resource must be a mapping"); return; }
            foreach (var (key, _) in map.Children)
                if (Scalar(key) is not ("type" or "properties" or "options" or "get"))
                    Problem(path, $"unknown resource key '{Scalar(key)}'");
            var token = Child(map, "type") is YamlScalarNode t ? t.Value! : "";
            if (schema.Resource(token) is not { } resource)
            {
                Problem(path, $"unknown resource type '{token}'");
                return;
            }
            CheckObject($"{path}.properties", Child(map, "properties") ?? new YamlMappingNode(), resource.GetProperty("inputs"));
            if (Child(map, "options") is YamlMappingNode options)
                foreach (var (key, value) in options.Children)
                {
                    if (!OptionKeys.Contains(Scalar(key))) Problem($"{path}.options", $"unknown option '{Scalar(key)}'");
                    if (Scalar(key) != "dependsOn") continue;
                    foreach (var dependency in (value as YamlSequenceNode)?.Children ?? [])
                    {
                        var parts = PulumiInterpolation.Parse(Scalar(dependency));
                        if (parts is not [PulumiInterpolation.Reference { Expression: var target }] || !_resourceOutputs.ContainsKey(target))
                            Problem($"{path}.options.dependsOn", $"'{Scalar(dependency)}' is not a reference to a resource of the program");
                    }
                }
        }

        private void CheckObject(string path, YamlNode node, JsonElement properties)
        {
            if (node is not YamlMappingNode map) { Problem(path, "expected an object"); return; }
            var present = new HashSet<string>();
            foreach (var (key, value) in map.Children)
            {
                var name = Scalar(key);
                present.Add(name);
                if (!properties.TryGetProperty(name, out var property)) { Problem(path, $"unknown property '{name}'"); continue; }
                CheckValue($"{path}.{name}", value, property.GetProperty("type").GetString()!, property);
            }
            foreach (var property in properties.EnumerateObject())
                if (property.Value.TryGetProperty("required", out var required) && required.GetBoolean() && !present.Contains(property.Name))
                    Problem(path, $"required property '{property.Name}' is missing");
        }

        /// <summary>Text the provider passes on as it is: it must already be base64 (user data the plan gzipped, for one).</summary>
        private static bool IsBase64Literal(YamlNode node) =>
            node is YamlScalarNode { Value: { Length: > 0 } text } && !text.Contains("${", StringComparison.Ordinal)
            && text.Length % 4 == 0 && Convert.TryFromBase64String(text, new byte[text.Length], out _);

        private void CheckValue(string path, YamlNode node, string type, JsonElement? property)
        {
            var alternatives = property?.TryGetProperty("oneOf", out var oneOf) == true
                ? oneOf.EnumerateArray().Select(a => a.GetString()!).ToList()
                : [type];
            if (Flag(property, "base64") && !IsFunction(node, "fn::toBase64") && !IsBase64Literal(node))
                Problem(path, "a base64 input must be given through fn::toBase64 or as base64 text");
            if (Flag(property, "secret") && !IsFunction(node, "fn::secret")) Problem(path, "a secret input must be wrapped in fn::secret");

            if (node is YamlMappingNode { Children.Count: 1 } fn && Scalar(fn.Children.Single().Key) is var function && function.StartsWith("fn::", StringComparison.Ordinal))
            {
                var argument = fn.Children.Single().Value;
                switch (function)
                {
                    case "fn::secret":
                        CheckValue(path, argument, type, null);
                        break;
                    case "fn::toJSON":
                        Expect(path, alternatives, "string");
                        // A JSON policy must still be a valid policy document.
                        if (alternatives.Contains("object:PolicyDocument")) CheckValue(path, argument, "object:PolicyDocument", null);
                        else CheckValue(path, argument, "any", null);
                        break;
                    case "fn::toBase64":
                        Expect(path, alternatives, "string");
                        CheckValue(path, argument, "string", null);
                        break;
                    default:
                        Problem(path, $"unexpected function {function}");
                        break;
                }
                return;
            }

            var failures = new List<(string Alternative, List<string> Problems)>();
            foreach (var alternative in alternatives)
            {
                var problems = new List<string>();
                CheckKind(path, node, alternative, problems);
                if (problems.Count == 0) return;
                failures.Add((alternative, problems));
            }
            // Report against the alternative of the node's own shape: its problems are the informative ones.
            _problems.AddRange(failures.OrderBy(f => SameShape(f.Alternative, node) ? 0 : 1).ThenBy(f => f.Problems.Count).First().Problems);
        }

        private void CheckKind(string path, YamlNode node, string type, List<string> problems)
        {
            void Fail(string message) => problems.Add($"{path}: {message}");
            if (node is YamlScalarNode scalar && scalar.Style != ScalarStyle.Plain || node is YamlScalarNode { Style: ScalarStyle.Plain } && IsExpression(node))
            {
                var parts = CheckReferences(path, (YamlScalarNode)node, problems);
                // A lone reference takes the referenced value's type, which the subset does not record.
                if (parts is [PulumiInterpolation.Reference]) return;
            }
            switch (type)
            {
                case "any":
                    Walk(path, node, problems);
                    return;
                case "map<any>":
                    if (node is not YamlMappingNode) Fail("expected an object");
                    Walk(path, node, problems);
                    return;
                case var text when text == "string" || text.StartsWith("enum:", StringComparison.Ordinal):
                    if (node is not YamlScalarNode str) Fail($"expected a string, got {Kind(node)}");
                    else if (str.Style == ScalarStyle.Plain && Kind(str) != "string") Fail($"expected a string, got the {Kind(str)} {str.Value}");
                    return;
                case "integer" or "number" or "boolean":
                    var expected = type == "number" && Kind(node) == "integer" ? "integer" : type;
                    if (Kind(node) != expected) Fail($"expected {(type == "integer" ? "an" : "a")} {type}, got {Kind(node)} {(node as YamlScalarNode)?.Value}");
                    return;
                case "map<string>":
                    if (node is not YamlMappingNode map) { Fail("expected a map of strings"); return; }
                    foreach (var (key, value) in map.Children) CheckKind($"{path}.{Scalar(key)}", value, "string", problems);
                    return;
                case var array when array.StartsWith("array<", StringComparison.Ordinal):
                    if (node is not YamlSequenceNode list) { Fail($"expected a list, got {Kind(node)}"); return; }
                    var item = type["array<".Length..^1];
                    for (var i = 0; i < list.Children.Count; i++)
                    {
                        var before = _problems.Count;
                        CheckValue($"{path}[{i}]", list.Children[i], item, null);
                        problems.AddRange(_problems.Skip(before));
                        _problems.RemoveRange(before, _problems.Count - before);
                    }
                    return;
                case var obj when obj.StartsWith("object:", StringComparison.Ordinal):
                    var name = type["object:".Length..];
                    if (schema._skippedTypes.Contains(name)) return;
                    if (!schema._types.TryGetProperty(name, out var objectType)) { Fail($"unknown type {name}"); return; }
                    if (node is not YamlMappingNode) { Fail($"expected an object {name}, got {Kind(node)}"); return; }
                    var start = _problems.Count;
                    CheckObject(path, node, objectType.GetProperty("properties"));
                    problems.AddRange(_problems.Skip(start));
                    _problems.RemoveRange(start, _problems.Count - start);
                    return;
                default:
                    Fail($"unknown schema type {type}");
                    return;
            }
        }

        /// <summary>Checks the references inside any value whose type the schema leaves open.</summary>
        private void Walk(string path, YamlNode node, List<string> problems)
        {
            switch (node)
            {
                case YamlScalarNode scalar:
                    CheckReferences(path, scalar, problems);
                    break;
                case YamlSequenceNode list:
                    for (var i = 0; i < list.Children.Count; i++) Walk($"{path}[{i}]", list.Children[i], problems);
                    break;
                case YamlMappingNode map:
                    foreach (var (key, value) in map.Children)
                    {
                        var before = _problems.Count;
                        if (Scalar(key).StartsWith("fn::", StringComparison.Ordinal)) CheckValue(path, map, "any", null);
                        else Walk($"{path}.{Scalar(key)}", value, problems);
                        problems.AddRange(_problems.Skip(before));
                        _problems.RemoveRange(before, _problems.Count - before);
                    }
                    break;
            }
        }

        private IReadOnlyList<PulumiInterpolation.Part> CheckReferences(string path, YamlScalarNode scalar, List<string> problems)
        {
            IReadOnlyList<PulumiInterpolation.Part> parts;
            try { parts = PulumiInterpolation.Parse(scalar.Value ?? ""); }
            catch (FormatException e) { problems.Add($"{path}: {e.Message}"); return []; }
            foreach (var reference in parts.OfType<PulumiInterpolation.Reference>())
            {
                var segments = reference.Expression.Split('.', 2);
                if (_resourceOutputs.TryGetValue(segments[0], out var outputs))
                {
                    if (segments.Length == 1) problems.Add($"{path}: ${{{reference.Expression}}} names a whole resource, not an output");
                    else if (!outputs.Contains(segments[1].Split('.', '[')[0])) problems.Add($"{path}: {segments[0]} has no output '{segments[1]}'");
                }
                else if (!_variables.Contains(segments[0]) && !(_config.Contains(segments[0]) && segments.Length == 1))
                    problems.Add($"{path}: ${{{reference.Expression}}} refers to nothing in the program");
            }
            return parts;
        }

        private static bool SameShape(string type, YamlNode node) => node switch
        {
            YamlSequenceNode => type.StartsWith("array<", StringComparison.Ordinal),
            YamlMappingNode => type.StartsWith("object:", StringComparison.Ordinal) || type.StartsWith("map<", StringComparison.Ordinal),
            _ => !type.StartsWith("array<", StringComparison.Ordinal) && !type.StartsWith("object:", StringComparison.Ordinal) && !type.StartsWith("map<", StringComparison.Ordinal),
        };

        private static bool IsExpression(YamlNode node) => node is YamlScalarNode { Value: { } v } && v.Contains("${", StringComparison.Ordinal);

        private static bool IsFunction(YamlNode node, string name) =>
            node is YamlMappingNode { Children.Count: 1 } map && Scalar(map.Children.Single().Key) == name;

        private static bool Flag(JsonElement? property, string name) =>
            property?.TryGetProperty(name, out var flag) == true && flag.ValueKind == JsonValueKind.True;

        private void Expect(string path, List<string> alternatives, string kind)
        {
            if (!alternatives.Contains(kind) && !alternatives.Contains("any")) Problem(path, $"a {kind} is not accepted here ({string.Join(" | ", alternatives)})");
        }

        /// <summary>The kind a YAML 1.2 reader (Pulumi's) gives a node.</summary>
        private static string Kind(YamlNode node) => node switch
        {
            YamlMappingNode => "object",
            YamlSequenceNode => "list",
            YamlScalarNode { Style: not ScalarStyle.Plain } => "string",
            YamlScalarNode { Value: "true" or "false" } => "boolean",
            YamlScalarNode { Value: "null" or "~" or "" } => "null",
            YamlScalarNode s when long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) => "integer",
            YamlScalarNode s when double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) => "number",
            _ => "string",
        };

        private static YamlNode? Child(YamlMappingNode map, string key) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

        private static string Scalar(YamlNode node) => (node as YamlScalarNode)?.Value ?? "";

        private void Problem(string path, string message) => _problems.Add(path.Length == 0 ? message : $"{path}: {message}");
    }
}
