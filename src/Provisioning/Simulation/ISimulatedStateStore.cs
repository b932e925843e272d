using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Provisioning.Simulation;

/// <summary>A resource the simulated cloud holds, with the outputs the real one would report.</summary>
public sealed record SimulatedResource(string Name, string Type, string Id, JsonObject Outputs, DateTimeOffset CreatedAt);

/// <summary>
/// Where the simulated cloud keeps its resources, so that destroy, refresh and resume behave
/// like the real thing across restarts. The portal implements it on its database.
/// </summary>
public interface ISimulatedStateStore
{
    Task<IReadOnlyList<SimulatedResource>> LoadAsync(string stack, CancellationToken cancellationToken);

    /// <summary>Records a created resource; false if the stack already holds one of that name (then nothing changes).</summary>
    Task<bool> AddAsync(string stack, SimulatedResource resource, CancellationToken cancellationToken);

    Task RemoveAsync(string stack, string name, CancellationToken cancellationToken);

    /// <summary>Records what changed in an existing resource (instances replaced, a zone down); false if it no longer exists.</summary>
    Task<bool> UpdateOutputsAsync(string stack, string name, JsonObject outputs, CancellationToken cancellationToken);
}

/// <summary>A process-local store, for tests and benchmarks.</summary>
public sealed class InMemorySimulatedStateStore : ISimulatedStateStore
{
    private readonly ConcurrentDictionary<(string Stack, string Name), SimulatedResource> _resources = new();

    /// <summary>How many times each resource was ever created, to prove nothing is created twice.</summary>
    public ConcurrentDictionary<(string Stack, string Name), int> CreateCounts { get; } = new();

    public Task<IReadOnlyList<SimulatedResource>> LoadAsync(string stack, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SimulatedResource>>(
            _resources.Where(kv => kv.Key.Stack == stack).Select(kv => kv.Value).ToList());

    public Task<bool> AddAsync(string stack, SimulatedResource resource, CancellationToken cancellationToken)
    {
        if (!_resources.TryAdd((stack, resource.Name), resource)) return Task.FromResult(false);
        CreateCounts.AddOrUpdate((stack, resource.Name), 1, (_, n) => n + 1);
        return Task.FromResult(true);
    }

    public Task RemoveAsync(string stack, string name, CancellationToken cancellationToken)
    {
        _resources.TryRemove((stack, name), out _);
        return Task.CompletedTask;
    }

    public Task<bool> UpdateOutputsAsync(string stack, string name, JsonObject outputs, CancellationToken cancellationToken)
    {
        if (!_resources.TryGetValue((stack, name), out var resource)) return Task.FromResult(false);
        _resources[(stack, name)] = resource with { Outputs = (JsonObject)outputs.DeepClone() };
        return Task.FromResult(true);
    }
}
