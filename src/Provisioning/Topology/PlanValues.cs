namespace Provisioning.Topology;

/// <summary>
/// A property value that only exists at deploy time. Plain values in a plan are strings,
/// numbers, booleans, lists (<see cref="IReadOnlyList{T}"/>) and objects
/// (<see cref="IReadOnlyDictionary{TKey,TValue}"/> with string keys); these records are the rest.
/// </summary>
public abstract record PlanValue;

/// <summary><c>${resource.property}</c>: an output of another resource of the plan; implies a dependency.</summary>
public sealed record ResourceOutput(string Resource, string Property) : PlanValue;

/// <summary><c>${variable.path}</c>: a value from the program's variables (function invocations).</summary>
public sealed record VariableRef(string Variable, string? Path = null) : PlanValue;

/// <summary><c>${key}</c>: a stack configuration value, such as the secret gossip key.</summary>
public sealed record ConfigRef(string Key) : PlanValue;

/// <summary>A string made of literal text and references, e.g. <c>"${vpc.id}-sg"</c>.</summary>
public sealed record Interpolation(IReadOnlyList<object> Parts) : PlanValue
{
    public Interpolation(params object[] parts) : this((IReadOnlyList<object>)parts) { }
}

/// <summary><c>fn::toJSON</c>: the value serialised as a JSON string at deploy time.</summary>
public sealed record ToJson(object Value) : PlanValue;

/// <summary><c>fn::toBase64</c>.</summary>
public sealed record ToBase64(object Value) : PlanValue;

/// <summary><c>fn::secret</c>: the value is encrypted in state and masked in outputs.</summary>
public sealed record SecretValue(object Value) : PlanValue;

public static class PlanValues
{
    /// <summary>Every resource a value refers to, however deeply nested.</summary>
    public static IEnumerable<string> ReferencedResources(object? value) => value switch
    {
        ResourceOutput r => [r.Resource],
        Interpolation i => i.Parts.SelectMany(ReferencedResources),
        ToJson j => ReferencedResources(j.Value),
        ToBase64 b => ReferencedResources(b.Value),
        SecretValue s => ReferencedResources(s.Value),
        string => [],
        IReadOnlyDictionary<string, object?> map => map.Values.SelectMany(ReferencedResources),
        IEnumerable<object?> list => list.SelectMany(ReferencedResources),
        _ => [],
    };
}
