using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FakeSsm;

/// <summary>
/// What the portal's Consul health check prints on a server: one JSON document holding Consul's own answers, in the
/// shapes Consul's HTTP API documentation gives them (/v1/status/leader, /v1/operator/autopilot/health,
/// /v1/agent/members?wan=1, /v1/acl/replication), plus a DNS lookup and the errors of failed calls.
/// The fixtures are written from those documented shapes, not copied from a live cluster.
/// </summary>
public static partial class ConsulDocuments
{
    /// <summary>The script's self-description: <c># consul-health-probe: datacenter=… primary=… datacenters=…,…</c>.</summary>
    [GeneratedRegex(@"^# consul-health-probe: datacenter=(?<dc>\S+) primary=(?<primary>\S+) datacenters=(?<all>\S+)$", RegexOptions.Multiline)]
    private static partial Regex Header();

    public sealed record Probe(string Datacenter, string Primary, IReadOnlyList<string> Datacenters);

    /// <summary>What the script says about itself, or null when it is not the portal's health check.</summary>
    public static Probe? Describe(string script) =>
        Header().Match(script) is { Success: true } m
            ? new Probe(m.Groups["dc"].Value, m.Groups["primary"].Value, m.Groups["all"].Value.Split(','))
            : null;

    /// <param name="datacenterOf">The servers of a datacenter of the same cluster, by datacenter name.</param>
    public static JsonObject Report(Probe probe, FakeDatacenter datacenter, string instanceId, Func<string, FakeDatacenter> datacenterOf, DateTimeOffset now)
    {
        var errors = new JsonArray();
        var faults = datacenter.Faults;
        var noLeader = faults.Contains(ConsulFault.NoLeader);
        // Raft elections need a leader: without one, autopilot and the replication status answer the error Consul gives.
        JsonNode? LeaderOnly(string path, Func<JsonNode> answer)
        {
            if (!noLeader) return answer();
            errors.Add($"GET {path} answered HTTP 500: No cluster leader");
            return null;
        }

        var dnsName = $"consul.service.{probe.Datacenter}.consul";
        return new JsonObject
        {
            ["datacenter"] = probe.Datacenter,
            ["node"] = instanceId,
            ["leader"] = noLeader ? "" : $"{datacenter.Address(0)}:8300",
            ["autopilot"] = LeaderOnly("/v1/operator/autopilot/health", () => Autopilot(datacenter, now)),
            ["wanMembers"] = new JsonArray(probe.Datacenters.SelectMany(dc => WanMembers(datacenterOf(dc), dc)).ToArray<JsonNode?>()),
            ["aclReplication"] = probe.Datacenter == probe.Primary
                ? null
                : LeaderOnly("/v1/acl/replication", () => Replication(probe.Primary, faults.Contains(ConsulFault.ReplicationStopped), now)),
            ["dns"] = faults.Contains(ConsulFault.DnsFails)
                ? new JsonObject { ["name"] = dnsName, ["answers"] = new JsonArray(), ["error"] = $"getent ahostsv4 {dnsName}: the name does not resolve (exit status 2)" }
                : new JsonObject
                {
                    ["name"] = dnsName,
                    ["answers"] = new JsonArray(Enumerable.Range(0, datacenter.Servers).Select(s => (JsonNode?)datacenter.Address(s)).ToArray()),
                },
            ["errors"] = errors,
        };
    }

    /// <summary>GET /v1/operator/autopilot/health: the first server leads; FailureTolerance as autopilot computes it.</summary>
    public static JsonObject Autopilot(FakeDatacenter datacenter, DateTimeOffset now)
    {
        var noLeader = datacenter.Faults.Contains(ConsulFault.NoLeader);
        var servers = Enumerable.Range(0, datacenter.Servers).Select(s => new
        {
            Server = s,
            Voter = !(datacenter.Faults.Contains(ConsulFault.MissingVoter) && s == datacenter.Servers - 1),
        }).ToList();
        var voters = servers.Count(s => s.Voter);
        var tolerance = datacenter.Faults.Contains(ConsulFault.NoFailureTolerance) ? 0 : Math.Max(0, voters - (voters / 2 + 1));
        return new JsonObject
        {
            ["Healthy"] = true,
            ["FailureTolerance"] = tolerance,
            ["Servers"] = new JsonArray(servers.Select(s => (JsonNode?)new JsonObject
            {
                ["ID"] = datacenter.RaftId(s.Server),
                ["Name"] = datacenter.InstanceId(s.Server),
                ["Address"] = $"{datacenter.Address(s.Server)}:8300",
                ["SerfStatus"] = "alive",
                ["Version"] = datacenter.ConsulVersion,
                ["Leader"] = s.Server == 0 && !noLeader,
                ["LastContact"] = s.Server == 0 ? "0s" : "14.672311ms",
                ["LastTerm"] = 2,
                ["LastIndex"] = 1234,
                ["Healthy"] = true,
                ["Voter"] = s.Voter,
                ["StableSince"] = Go(now.AddHours(-3)),
            }).ToArray()),
        };
    }

    /// <summary>GET /v1/agent/members?wan=1: WAN members are named <c>&lt;node&gt;.&lt;dc&gt;</c>; Status 1 is alive, 4 failed.</summary>
    public static IEnumerable<JsonObject> WanMembers(FakeDatacenter datacenter, string name) =>
        Enumerable.Range(0, datacenter.Servers).Select(s => new JsonObject
        {
            ["Name"] = $"{datacenter.InstanceId(s)}.{name}",
            ["Addr"] = datacenter.Address(s),
            ["Port"] = 8302,
            ["Tags"] = new JsonObject
            {
                ["acls"] = "1",
                ["build"] = $"{datacenter.ConsulVersion}:f0a2c7a0",
                ["dc"] = name,
                ["id"] = datacenter.RaftId(s),
                ["port"] = "8300",
                ["role"] = "consul",
                ["segment"] = "",
                ["use_tls"] = "1",
                ["vsn"] = "2",
                ["vsn_max"] = "3",
                ["vsn_min"] = "2",
            },
            ["Status"] = datacenter.Faults.Contains(ConsulFault.WanMemberDown) && s == datacenter.Servers - 1 ? 4 : 1,
            ["ProtocolMin"] = 1,
            ["ProtocolMax"] = 5,
            ["ProtocolCur"] = 2,
            ["DelegateMin"] = 2,
            ["DelegateMax"] = 5,
            ["DelegateCur"] = 4,
        });

    /// <summary>GET /v1/acl/replication in a secondary; "never" is Go's zero time.</summary>
    public static JsonObject Replication(string primary, bool stopped, DateTimeOffset now) => new()
    {
        ["Enabled"] = true,
        ["Running"] = !stopped,
        ["SourceDatacenter"] = primary,
        ["ReplicationType"] = "tokens",
        ["ReplicatedIndex"] = 1976,
        ["ReplicatedTokenIndex"] = 2018,
        ["LastSuccess"] = Go(now.AddSeconds(stopped ? -900 : -12)),
        ["LastError"] = stopped ? Go(now.AddSeconds(-30)) : "0001-01-01T00:00:00Z",
        ["LastErrorMessage"] = stopped ? "failed to retrieve ACL token updates: rpc error making call: ACL not found" : "",
    };

    /// <summary>Go's time.Time in JSON: RFC 3339 with nanoseconds, trailing zeros trimmed.</summary>
    public static string Go(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        var nanos = (utc.Ticks % TimeSpan.TicksPerSecond * 100 + 123).ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + (nanos.Length > 0 ? "." + nanos : "") + "Z";
    }
}
