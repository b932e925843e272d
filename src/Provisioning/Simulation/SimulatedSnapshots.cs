using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Provisioning.Consul;
using Provisioning.Engines;
using Provisioning.Topology;

namespace Provisioning.Simulation;

/// <summary>
/// The simulated snapshot bucket: each datacenter's snapshots are kept with its server group, as <c>consul snapshot
/// save</c> would write them, holding the datacenter's simulated KV (<see cref="KvKey"/>). A restore puts that KV back.
/// Snapshots older than the retention are gone, as the bucket's lifecycle expires them.
/// </summary>
internal sealed class SimulatedSnapshots(ISimulatedStateStore store, SimulatedEngineOptions options, TimeProvider time)
{
    /// <summary>On a server group's outputs: the datacenter's KV store, key → value.</summary>
    public const string KvKey = "kv";

    private const string SnapshotsKey = "snapshots";

    /// <summary>What a snapshot holds beside raft's own state: a few KiB even when the KV is empty.</summary>
    private const long RaftStateBytes = 6_144;

    public async Task<IReadOnlyList<ConsulSnapshot>> ListAsync(string stack, TopologyPlan plan)
    {
        var state = (await store.LoadAsync(stack, CancellationToken.None)).ToDictionary(r => r.Name);
        var kept = time.GetUtcNow() - TimeSpan.FromDays(options.SnapshotRetentionDays);
        return Enumerable.Range(0, plan.Spec.AvailabilityZones.Count)
            .SelectMany(zone => state.TryGetValue(TopologyPlanBuilder.ServerGroup(zone), out var group) ? Stored(group) : [])
            .Select(View).Where(s => s.TakenAt >= kept).OrderByDescending(s => s.TakenAt).ToList();
    }

    public async Task<ConsulSnapshot> SaveAsync(string stack, TopologyPlan plan, string datacenter, string reason)
    {
        var (name, group) = await GroupAsync(stack, plan, datacenter);
        var kv = group.Outputs[KvKey] as JsonObject ?? [];
        var takenAt = time.GetUtcNow();
        var snapshot = new JsonObject
        {
            // The object key in the bucket: <dc>/<time>.snap, unique and sortable.
            ["id"] = $"{datacenter}-{takenAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture)}-{RandomNumberGenerator.GetHexString(4, lowercase: true)}",
            ["datacenter"] = datacenter,
            ["takenAt"] = takenAt.ToString("O"),
            ["sizeBytes"] = RaftStateBytes + Encoding.UTF8.GetByteCount(kv.ToJsonString()),
            ["reason"] = reason,
            [KvKey] = kv.DeepClone(),
        };
        var outputs = (JsonObject)group.Outputs.DeepClone();
        outputs[SnapshotsKey] = new JsonArray([.. Stored(group).Select(s => s.DeepClone()), snapshot]);
        await store.UpdateOutputsAsync(stack, name, outputs, CancellationToken.None);
        return View(snapshot);
    }

    /// <summary>The snapshot of that id, or null when the bucket does not hold it (never was, or expired).</summary>
    public async Task<ConsulSnapshot?> FindAsync(string stack, TopologyPlan plan, string id) =>
        (await ListAsync(stack, plan)).FirstOrDefault(s => s.Id == id);

    /// <summary>Puts the snapshot's KV back into its datacenter, replacing what is there.</summary>
    public async Task RestoreAsync(string stack, TopologyPlan plan, ConsulSnapshot snapshot)
    {
        var (name, group) = await GroupAsync(stack, plan, snapshot.Datacenter);
        var stored = Stored(group).Single(s => s["id"]!.GetValue<string>() == snapshot.Id);
        var outputs = (JsonObject)group.Outputs.DeepClone();
        outputs[KvKey] = stored[KvKey]?.DeepClone() ?? new JsonObject();
        await store.UpdateOutputsAsync(stack, name, outputs, CancellationToken.None);
    }

    private async Task<(string Name, SimulatedResource Group)> GroupAsync(string stack, TopologyPlan plan, string datacenter)
    {
        var zone = Enumerable.Range(0, plan.Spec.AvailabilityZones.Count).Single(z => ConsulAgentConfigs.Datacenter(plan.Spec, z) == datacenter);
        var name = TopologyPlanBuilder.ServerGroup(zone);
        var state = await store.LoadAsync(stack, CancellationToken.None);
        return (name, state.SingleOrDefault(r => r.Name == name)
            ?? throw new InvalidOperationException($"{datacenter} has no servers: its group {name} does not exist."));
    }

    private static IEnumerable<JsonObject> Stored(SimulatedResource group) => (group.Outputs[SnapshotsKey] as JsonArray ?? []).OfType<JsonObject>();

    private static ConsulSnapshot View(JsonObject s) => new(
        s["id"]!.GetValue<string>(), s["datacenter"]!.GetValue<string>(),
        DateTimeOffset.Parse(s["takenAt"]!.GetValue<string>(), CultureInfo.InvariantCulture), s["sizeBytes"]!.GetValue<long>(), s["reason"]!.GetValue<string>());
}
