using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Provisioning.Topology;

namespace Provisioning.Simulation;

/// <summary>The EC2 instances an auto-scaling group launches in the simulated cloud, and the cluster outputs they make.</summary>
internal static class SimulatedInstances
{
    /// <summary>Servers take addresses from .10 of their subnet, clients from .100 (AWS reserves the first four).</summary>
    private const uint FirstServerOffset = 10, FirstClientOffset = 100;

    public static JsonArray For(TopologyPlan plan, PlannedResource group)
    {
        var instances = new JsonArray();
        var subnets = plan.Network.Subnets;
        if (group.Name == TopologyPlanBuilder.ClientGroup)
        {
            for (var i = 0; i < plan.Spec.ClientCount; i++)
                instances.Add(Instance(subnets[i % subnets.Count], FirstClientOffset + (uint)(i / subnets.Count), plan.Spec.ConsulVersion));
        }
        else
        {
            var subnet = subnets[group.Name[^1] - 'A'];
            for (var i = 0; i < plan.Spec.ServersPerAz; i++)
                instances.Add(Instance(subnet, FirstServerOffset + (uint)i, plan.Spec.ConsulVersion));
        }
        return instances;
    }

    /// <summary>
    /// What the client group does when the zones it may use change: like Auto Scaling's AZRebalance, it keeps
    /// the instances in zones that still work up to an even share, launches replacements where a zone is
    /// short and terminates the surplus. Returns the new instances and which ones were launched and terminated.
    /// </summary>
    public static (JsonArray Instances, IReadOnlyList<JsonObject> Launched, IReadOnlyList<JsonObject> Terminated) Rebalance(
        TopologyPlan plan, JsonArray current, IReadOnlySet<string> downZones)
    {
        var subnets = plan.Network.Subnets.Where(s => !downZones.Contains(s.AvailabilityZone)).ToList();
        var instances = current.OfType<JsonObject>().Select(i => (JsonObject)i.DeepClone()).ToList();
        var terminated = instances.Where(i => downZones.Contains(Zone(i))).ToList();
        var kept = instances.Except(terminated).ToList();
        var launched = new List<JsonObject>();
        for (var z = 0; z < subnets.Count; z++)
        {
            var share = Enumerable.Range(0, plan.Spec.ClientCount).Count(i => i % subnets.Count == z);
            var inZone = kept.Where(i => Zone(i) == subnets[z].AvailabilityZone).ToList();
            foreach (var surplus in inZone.Skip(share)) { kept.Remove(surplus); terminated.Add(surplus); }
            for (var n = inZone.Count; n < share; n++)
            {
                launched.Add(Launch(subnets[z], kept.Concat(launched), FirstClientOffset, plan.Spec.ConsulVersion));
            }
        }
        return (new JsonArray([.. kept, .. launched]), launched, terminated);
    }

    /// <summary>
    /// What a group does when one of its instances is terminated and its size is kept: it launches one from its
    /// latest launch template in the same zone (a client's zone, a server's pinned zone), at the first free address.
    /// </summary>
    public static JsonObject Replacement(TopologyPlan plan, JsonArray current, JsonObject replaced, bool server)
    {
        var subnet = plan.Network.Subnets.First(s => s.AvailabilityZone == Zone(replaced));
        var others = current.OfType<JsonObject>().Where(i => i["instanceId"]!.GetValue<string>() != replaced["instanceId"]!.GetValue<string>());
        return Launch(subnet, others, server ? FirstServerOffset : FirstClientOffset, plan.Spec.ConsulVersion);
    }

    public static string Zone(JsonObject instance) => instance["availabilityZone"]!.GetValue<string>();

    /// <summary>The Consul version an instance runs; state written before versions were recorded counts as the current one.</summary>
    public static string? ConsulVersion(JsonObject instance) => instance[VersionKey]?.GetValue<string>();

    /// <summary>On an instance: it launched but never became a healthy Consul node (an injected replacement failure).</summary>
    public const string UnhealthyKey = "unhealthy";

    private const string VersionKey = "consulVersion";

    private static JsonObject Launch(Clusters.ZoneSubnet subnet, IEnumerable<JsonObject> existing, uint first, string version)
    {
        var used = existing.Where(i => Zone(i) == subnet.AvailabilityZone).Select(i => i["privateIp"]!.GetValue<string>()).ToHashSet();
        var offset = first;
        while (used.Contains(subnet.Cidr.Address(offset))) offset++;
        return Instance(subnet, offset, version);
    }

    private static JsonObject Instance(Clusters.ZoneSubnet subnet, uint offset, string version) => new()
    {
        ["instanceId"] = "i-" + RandomNumberGenerator.GetHexString(17, lowercase: true),
        // Nodes are private: they have no public address, as in the real plan.
        ["privateIp"] = subnet.Cidr.Address(offset),
        ["availabilityZone"] = subnet.AvailabilityZone,
        [VersionKey] = version,
    };

    /// <summary>The stack outputs as Pulumi would report them, plus what the simulation knows of the instances.</summary>
    public static JsonObject Outputs(TopologyPlan plan, IReadOnlyDictionary<string, SimulatedResource> state)
    {
        var outputs = new JsonObject();
        foreach (var (key, value) in plan.Outputs) outputs[key] = Resolve(value, state, plan);

        var servers = new JsonObject();
        var wan = new JsonArray();
        for (var zone = 0; zone < plan.Spec.AvailabilityZones.Count; zone++)
        {
            var dc = plan.Spec.AvailabilityZones[zone];
            var instances = InstancesOf(state, TopologyPlanBuilder.ServerGroup(zone));
            servers[dc] = instances;
            foreach (var instance in instances) wan.Add($"{instance!["instanceId"]}.{dc}");
        }
        outputs["servers"] = servers;
        outputs["clients"] = InstancesOf(state, TopologyPlanBuilder.ClientGroup);
        outputs["wanMembers"] = wan;
        // The UI is reachable from the admin range only, over HTTPS on the servers' private addresses.
        if (plan.Spec.AdminCidr is not null && servers[plan.Spec.AzA] is JsonArray { Count: > 0 } first)
            outputs["uiUrl"] = $"https://{first[0]!["privateIp"]}:{Topology.SecurityRules.HttpsPort}/ui/";
        if (servers[plan.Spec.AzA] is JsonArray { Count: > 0 } serversA)
            outputs["dnsExamples"] = new JsonArray(
                $"{serversA[0]!["instanceId"]}.node.{plan.Spec.AzA}.consul",
                $"consul.service.{plan.Spec.AzA}.consul",
                $"consul.service.{plan.Spec.AzB}.consul");
        return outputs;
    }

    private static JsonArray InstancesOf(IReadOnlyDictionary<string, SimulatedResource> state, string group) =>
        state.TryGetValue(group, out var resource) && resource.Outputs["instances"] is JsonArray instances
            ? (JsonArray)instances.DeepClone()
            : [];

    /// <remarks>
    /// Like Pulumi's, a resource's outputs include its inputs: state stored before a property was recorded answers
    /// with the planned input (the plan matches the state once an up succeeded).
    /// </remarks>
    private static JsonNode? Resolve(object? value, IReadOnlyDictionary<string, SimulatedResource> state, TopologyPlan plan) => value switch
    {
        null => null,
        ResourceOutput r => state.TryGetValue(r.Resource, out var resource)
            ? resource.Outputs[r.Property]?.DeepClone() ?? PlannedInput(plan, r) ?? JsonValue.Create(resource.Id)
            : null,
        Interpolation i => JsonValue.Create(string.Concat(i.Parts.Select(p => Resolve(p, state, plan) is JsonValue v ? v.ToString() : ""))),
        string s => JsonValue.Create(s),
        int n => JsonValue.Create(n),
        bool b => JsonValue.Create(b),
        IReadOnlyDictionary<string, object?> map => new JsonObject(map.Select(kv => KeyValuePair.Create(kv.Key, Resolve(kv.Value, state, plan)))),
        IEnumerable<object?> list => new JsonArray(list.Select(item => Resolve(item, state, plan)).ToArray()),
        _ => JsonValue.Create(value.ToString()),
    };

    private static JsonNode? PlannedInput(TopologyPlan plan, ResourceOutput output) =>
        plan.Resources.FirstOrDefault(p => p.Name == output.Resource)?.Properties.GetValueOrDefault(output.Property) switch
        {
            int n => JsonValue.Create(n),
            string s => JsonValue.Create(s),
            bool b => JsonValue.Create(b),
            _ => null,
        };
}
