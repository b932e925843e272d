using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Provisioning.Consul;
using Provisioning.Engines;
using Provisioning.Health;
using Provisioning.Topology;

namespace Provisioning.Simulation;

/// <summary>
/// The Consul the simulated nodes run: it answers the health probe with the documents a real server
/// prints (Consul's own API shapes, <see cref="ConsulProbeReport"/>), computed from the simulated
/// instances, a zone taken down by a drill, and an injected fault. The same evaluator then judges them.
/// </summary>
internal static class SimulatedConsul
{
    /// <summary>On a server group's outputs: its zone is down (zone-outage drill) since this time.</summary>
    public const string OutageKey = "zoneOutageSince";

    /// <summary>
    /// Where an injected fault shows: a datacenter's own faults in the primary; a failed WAN member is the last
    /// server of the secondary, as every datacenter sees it; replication stops in the secondary, where it runs.
    /// </summary>
    private const int FaultZone = 0, WanFaultZone = 1;

    public static IReadOnlyList<DatacenterProbe> Probe(
        TopologyPlan plan, IReadOnlyDictionary<string, SimulatedResource> state, SimulatedHealthFault? fault, DateTimeOffset now)
    {
        var spec = plan.Spec;
        var zones = Enumerable.Range(0, spec.AvailabilityZones.Count).ToList();
        var down = zones.Where(z => OutageOf(state, z) is not null).ToHashSet();
        var probes = new List<DatacenterProbe>();
        foreach (var zone in zones)
        {
            var dc = ConsulAgentConfigs.Datacenter(spec, zone);
            if (!state.TryGetValue(TopologyPlanBuilder.ServerGroup(zone), out var group) || Instances(group).Count == 0)
            {
                probes.Add(DatacenterProbe.Unreachable(dc, $"no server of {dc} is online in Systems Manager: its group {TopologyPlanBuilder.ServerGroup(zone)} has no instances"));
                continue;
            }
            if (down.Contains(zone))
            {
                probes.Add(DatacenterProbe.Unreachable(dc,
                    $"no server of {dc} is online in Systems Manager: Availability Zone {spec.AvailabilityZones[zone]} is not responding (simulated outage)"));
                continue;
            }
            var servers = Instances(group);
            probes.Add(new DatacenterProbe(dc, servers[0].Id, Report(plan, state, zone, servers, down, fault, now)));
        }
        return probes;
    }

    private static JsonObject Report(
        TopologyPlan plan, IReadOnlyDictionary<string, SimulatedResource> state, int zone, IReadOnlyList<Node> servers,
        HashSet<int> down, SimulatedHealthFault? fault, DateTimeOffset now)
    {
        var spec = plan.Spec;
        var dc = ConsulAgentConfigs.Datacenter(spec, zone);
        var primary = zone == ConsulAgentConfigs.PrimaryZone;
        var wanFault = fault == SimulatedHealthFault.WanMemberDown;
        var replicationFault = fault;
        if (zone != FaultZone) fault = null;
        // Raft elects a server that works; an instance that never became healthy cannot lead.
        var leader = fault == SimulatedHealthFault.NoLeader ? null : servers.FirstOrDefault(s => s.Healthy);

        // A missing voter: autopilot removed a dead server's raft peer and its replacement has not joined yet.
        var raft = fault == SimulatedHealthFault.MissingVoter ? servers.Take(servers.Count - 1).ToList() : servers.ToList();
        var failed = fault == SimulatedHealthFault.NoFailureTolerance ? raft[^1] : null;
        bool Failed(Node s) => s == failed || !s.Healthy;
        var voters = raft.Count;
        var healthyVoters = raft.Count(s => !Failed(s));
        var autopilot = leader is null ? null : new JsonObject
        {
            ["Healthy"] = healthyVoters == voters,
            ["FailureTolerance"] = Math.Max(0, healthyVoters - (voters / 2 + 1)),
            ["Servers"] = new JsonArray(raft.Select(s => (JsonNode)new JsonObject
            {
                ["ID"] = RaftId(s.Id),
                ["Name"] = s.Id,
                ["Address"] = $"{s.Address}:8300",
                ["SerfStatus"] = Failed(s) ? "failed" : "alive",
                ["Version"] = s.Version ?? spec.ConsulVersion,
                ["Leader"] = s == leader,
                ["LastContact"] = s == leader ? "0s" : Failed(s) ? "2m14.306s" : "41.73ms",
                ["LastTerm"] = 3,
                ["LastIndex"] = Failed(s) ? 118 : 1472,
                ["Healthy"] = !Failed(s),
                ["Voter"] = true,
                ["StableSince"] = (now - TimeSpan.FromMinutes(Failed(s) ? 0 : 12)).ToString("O"),
            }).ToArray()),
        };

        var wan = new JsonArray();
        for (var z = 0; z < spec.AvailabilityZones.Count; z++)
        {
            var memberDc = ConsulAgentConfigs.Datacenter(spec, z);
            var members = state.TryGetValue(TopologyPlanBuilder.ServerGroup(z), out var g) ? Instances(g) : [];
            for (var i = 0; i < members.Count; i++)
            {
                var alive = !down.Contains(z) && members[i].Healthy && !(wanFault && z == WanFaultZone && i == members.Count - 1);
                wan.Add(new JsonObject
                {
                    ["Name"] = $"{members[i].Id}.{memberDc}",
                    ["Addr"] = members[i].Address,
                    ["Port"] = 8302,
                    ["Tags"] = new JsonObject { ["dc"] = memberDc, ["role"] = "consul", ["port"] = "8300", ["build"] = members[i].Version ?? spec.ConsulVersion, ["vsn"] = "2" },
                    // 1 alive, 4 failed: Serf's member states.
                    ["Status"] = alive ? 1 : 4,
                });
            }
        }

        var dnsName = $"consul.service.{dc}.consul";
        var dns = fault == SimulatedHealthFault.DnsFails
            ? new JsonObject { ["name"] = dnsName, ["answers"] = new JsonArray(), ["error"] = $"Host {dnsName} not found: 3(NXDOMAIN) from the system resolver (127.0.0.53)" }
            : new JsonObject { ["name"] = dnsName, ["answers"] = new JsonArray(raft.Where(s => !Failed(s)).Select(s => (JsonNode)s.Address).ToArray()) };

        return new JsonObject
        {
            [ConsulProbeReport.Datacenter] = dc,
            [ConsulProbeReport.Node] = servers[0].Id,
            [ConsulProbeReport.Leader] = leader is null ? "" : $"{leader.Address}:8300",
            [ConsulProbeReport.Autopilot] = autopilot,
            [ConsulProbeReport.WanMembers] = wan,
            [ConsulProbeReport.AclReplication] = primary ? null : Replication(plan, state, down, replicationFault, now),
            [ConsulProbeReport.Dns] = dns,
        };
    }

    private static JsonObject Replication(
        TopologyPlan plan, IReadOnlyDictionary<string, SimulatedResource> state, HashSet<int> down, SimulatedHealthFault? fault, DateTimeOffset now)
    {
        var primary = ConsulAgentConfigs.Datacenter(plan.Spec, ConsulAgentConfigs.PrimaryZone);
        var never = DateTimeOffset.MinValue.ToString("yyyy-MM-ddTHH:mm:ssZ");
        var primaryDown = down.Contains(ConsulAgentConfigs.PrimaryZone);
        // Replication runs every few seconds: its last success came shortly before the primary was lost.
        var lastSuccess = (primaryDown && OutageOf(state, ConsulAgentConfigs.PrimaryZone) is { } since ? since : now) - TimeSpan.FromSeconds(4);
        return new JsonObject
        {
            ["Enabled"] = true,
            ["Running"] = fault != SimulatedHealthFault.ReplicationStopped,
            ["SourceDatacenter"] = primary,
            ["ReplicationType"] = "tokens",
            ["ReplicatedIndex"] = 1460,
            ["ReplicatedRoleIndex"] = 1,
            ["ReplicatedTokenIndex"] = 1468,
            // RFC 3339 with fractions, as Consul writes Go times.
            ["LastSuccess"] = lastSuccess.UtcDateTime.ToString("O"),
            ["LastError"] = primaryDown ? now.UtcDateTime.ToString("O") : never,
            ["LastErrorMessage"] = primaryDown ? $"failed to retrieve remote ACL tokens: rpc error making call: No path to datacenter {primary}" : "",
        };
    }

    /// <summary>The resource type of a Consul node's own step in an operation's events (a client joining or leaving).</summary>
    public const string ClientType = "consul:client";

    /// <summary>Clients join the datacenter of their own zone.</summary>
    public static string DatacenterOf(TopologyPlan plan, JsonObject instance) =>
        ConsulAgentConfigs.Datacenter(plan.Spec, plan.Spec.AvailabilityZones.ToList().IndexOf(SimulatedInstances.Zone(instance)));

    /// <summary>What <c>consul members</c> shows of the clients, per datacenter, once the client group runs these instances; clients that left are gone from it.</summary>
    public static string ClientMembers(TopologyPlan plan, JsonObject clientGroupOutputs)
    {
        var clients = (clientGroupOutputs["instances"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var perDc = Enumerable.Range(0, plan.Spec.AvailabilityZones.Count).Select(zone => ConsulAgentConfigs.Datacenter(plan.Spec, zone))
            .Select(dc => $"{clients.Count(c => DatacenterOf(plan, c) == dc)} in {dc}");
        return $"{clients.Count} client(s) alive: {string.Join(", ", perDc)}";
    }

    public static DateTimeOffset? OutageOf(IReadOnlyDictionary<string, SimulatedResource> state, int zone) =>
        state.TryGetValue(TopologyPlanBuilder.ServerGroup(zone), out var group) && group.Outputs[OutageKey]?.GetValue<string>() is { } since
            ? DateTimeOffset.Parse(since, System.Globalization.CultureInfo.InvariantCulture)
            : null;

    private sealed record Node(string Id, string Address, string? Version, bool Healthy);

    private static List<Node> Instances(SimulatedResource group) =>
        (group.Outputs["instances"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(i => new Node(i["instanceId"]!.GetValue<string>(), i["privateIp"]!.GetValue<string>(),
                SimulatedInstances.ConsulVersion(i), i[SimulatedInstances.UnhealthyKey]?.GetValue<bool>() != true)).ToList();

    /// <summary>Raft ids are UUIDs; a stable one per instance keeps repeated checks comparable.</summary>
    private static string RaftId(string instanceId) => new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(instanceId)).AsSpan(0, 16)).ToString();
}
