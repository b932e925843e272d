using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Serialization;

namespace FakePulumi;

internal sealed record ProgramResource(string Name, string Type, Dictionary<object, object> Properties, IReadOnlyList<string> DependsOn);

/// <summary>The Pulumi YAML program of the work directory: resources in dependency order, and outputs.</summary>
internal sealed partial class FakeProgram
{
    public required string Project { get; init; }
    public required IReadOnlyList<ProgramResource> Resources { get; init; }
    public required Dictionary<object, object> Outputs { get; init; }

    public static FakeProgram Load(string directory)
    {
        var path = Path.Combine(directory, "Pulumi.yaml");
        if (!File.Exists(path)) throw new CliError($"no Pulumi.yaml project file found (searching upwards from {directory})");
        var yaml = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(File.ReadAllText(path));
        var resources = (yaml.GetValueOrDefault("resources") as Dictionary<object, object> ?? []).Select(kv =>
        {
            var body = (Dictionary<object, object>)kv.Value;
            var name = (string)kv.Key;
            var properties = body.GetValueOrDefault("properties") as Dictionary<object, object> ?? [];
            var options = body.GetValueOrDefault("options") as Dictionary<object, object> ?? [];
            var explicitDeps = (options.GetValueOrDefault("dependsOn") as List<object> ?? []).Select(d => Reference().Match((string)d).Groups[1].Value);
            return (name, type: (string)body["type"], properties, deps: explicitDeps.Concat(References(properties)).Where(d => d != name).ToHashSet());
        }).ToList();
        var names = resources.Select(r => r.name).ToHashSet();

        // Topological order, keeping the file's order among resources that are ready together.
        var ordered = new List<ProgramResource>();
        var left = resources.ToList();
        while (left.Count > 0)
        {
            var next = left.FirstOrDefault(r => r.deps.Where(names.Contains).All(d => ordered.Any(o => o.Name == d)));
            if (next.name is null) throw new CliError("the program has a dependency cycle");
            ordered.Add(new(next.name, next.type, next.properties, next.deps.Where(names.Contains).ToList()));
            left.Remove(next);
        }
        return new FakeProgram
        {
            Project = (string)yaml["name"],
            Resources = ordered,
            Outputs = yaml.GetValueOrDefault("outputs") as Dictionary<object, object> ?? [],
        };
    }

    /// <summary>Resolves <c>${resource.property}</c>, <c>${config}</c> and <c>fn::secret</c>; secrets come out masked.</summary>
    public static JsonNode? Evaluate(object? value, IReadOnlyDictionary<string, JsonObject> resources, IReadOnlyDictionary<string, (string Value, bool Secret)> config) => value switch
    {
        null => null,
        string s when Reference().Match(s) is { Success: true } m && m.Value == s => Lookup(m.Groups[1].Value, resources, config),
        string s => JsonValue.Create(Reference().Replace(s, m => Lookup(m.Groups[1].Value, resources, config)?.ToString() ?? "").Replace("$$", "$")),
        Dictionary<object, object> map when map.ContainsKey("fn::secret") => JsonValue.Create("[secret]"),
        Dictionary<object, object> map => new JsonObject(map.Select(kv => KeyValuePair.Create((string)kv.Key, Evaluate(kv.Value, resources, config)))),
        List<object> list => new JsonArray(list.Select(item => Evaluate(item, resources, config)).ToArray()),
        _ => JsonValue.Create(value.ToString()),
    };

    private static JsonNode? Lookup(string path, IReadOnlyDictionary<string, JsonObject> resources, IReadOnlyDictionary<string, (string Value, bool Secret)> config)
    {
        var parts = path.Split('.');
        if (resources.TryGetValue(parts[0], out var outputs))
            return parts.Length == 1 ? outputs["urn"]?.DeepClone() : outputs[parts[1]]?.DeepClone();
        var key = config.Keys.FirstOrDefault(k => k == path || k.EndsWith(":" + path, StringComparison.Ordinal));
        return key is null ? null : JsonValue.Create(config[key].Secret ? "[secret]" : config[key].Value);
    }

    /// <summary>What AWS reports for a created resource: ids, ARNs and names in AWS's shapes.</summary>
    public static JsonObject SimulatedOutputs(ProgramResource resource, JsonObject inputs, string region)
    {
        var typeName = resource.Type[(resource.Type.LastIndexOf(':') + 1)..];
        var prefix = typeName switch
        {
            "Vpc" => "vpc-", "Subnet" => "subnet-", "InternetGateway" => "igw-", "RouteTable" => "rtb-", "Route" => "r-rtb-",
            "RouteTableAssociation" => "rtbassoc-", "SecurityGroup" => "sg-", "LaunchTemplate" => "lt-",
            "SecurityGroupIngressRule" or "SecurityGroupEgressRule" => "sgr-", _ => null,
        };
        var name = inputs["name"]?.ToString()
            ?? (inputs["namePrefix"]?.ToString() is { } namePrefix ? namePrefix + RandomNumberGenerator.GetHexString(12, lowercase: true) : resource.Name);
        var id = prefix is null ? name : prefix + RandomNumberGenerator.GetHexString(17, lowercase: true);
        var outputs = (JsonObject)inputs.DeepClone();
        outputs["id"] = id;
        outputs["name"] = name;
        outputs["arn"] = $"arn:aws:{resource.Type.Split(':')[1].Split('/')[0]}:{region}:000000000000:{typeName.ToLowerInvariant()}/{id}";
        if (typeName == "LaunchTemplate") outputs["latestVersion"] = 1;
        return outputs;
    }

    private static IEnumerable<string> References(object? value) => value switch
    {
        string s => Reference().Matches(s).Select(m => m.Groups[1].Value.Split('.')[0]),
        Dictionary<object, object> map => map.Values.SelectMany(References),
        List<object> list => list.SelectMany(References),
        _ => [],
    };

    // ${name} or ${name.path}, not the escaped $${…}.
    [GeneratedRegex(@"(?<!\$)\$\{([A-Za-z0-9_:\-]+(?:\.[A-Za-z0-9_\[\]\.]+)?)\}")]
    private static partial Regex Reference();
}
