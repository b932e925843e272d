using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Provisioning.Clusters;
using Provisioning.Consul;

namespace Provisioning.Health;

/// <summary>
/// Judges the probes of a cluster's datacenters against the table of consul-topology.md: a leader,
/// every server a healthy voter, failure tolerance of at least 1 and DNS in each datacenter; all
/// servers of both alive in the WAN pool; ACL replication running in the secondary.
/// </summary>
public static class ConsulHealthEvaluator
{
    public const string LeaderCheck = "leader", VotersCheck = "voters", FailureToleranceCheck = "failure-tolerance",
        DnsCheck = "dns", WanMembersCheck = "wan-members", AclReplicationCheck = "acl-replication";

    /// <summary>The per-datacenter check names, e.g. <c>leader/us-east-1a</c>.</summary>
    public static string Named(string check, string datacenter) => $"{check}/{datacenter}";

    public static ClusterHealth Evaluate(ClusterSpec spec, IReadOnlyList<DatacenterProbe> probes, DateTimeOffset checkedAt)
    {
        var checks = new List<HealthCheckResult>();
        var datacenters = new List<DatacenterHealth>();
        foreach (var dc in spec.AvailabilityZones)
        {
            var probe = probes.FirstOrDefault(p => p.Datacenter == dc) ?? DatacenterProbe.Unreachable(dc, "the datacenter was not probed");
            var (health, dcChecks) = Datacenter(spec, probe);
            datacenters.Add(health);
            checks.AddRange(dcChecks);
        }

        var expected = spec.ServersPerAz * spec.AvailabilityZones.Count;
        var alive = probes.Where(p => p.Report is not null).Select(p => AliveWanMembers(p.Report!)).DefaultIfEmpty(0).Max();
        checks.Add(new(WanMembersCheck, alive == expected, alive == expected
            ? $"{alive} of {expected} servers are alive in the WAN pool"
            : $"{alive} of {expected} servers are alive in the WAN pool: the datacenters cannot all reach each other"));
        checks.Add(AclReplication(spec, probes));

        var status = checks.All(c => c.Passed) ? HealthStatus.Healthy : HealthStatus.Degraded;
        return new ClusterHealth(status, checkedAt, datacenters, new WanMembership(alive, expected), checks);
    }

    private static (DatacenterHealth, IEnumerable<HealthCheckResult>) Datacenter(ClusterSpec spec, DatacenterProbe probe)
    {
        var dc = probe.Datacenter;
        if (probe.Report is not { } report)
        {
            var why = $"{dc} did not answer: {probe.Error}";
            return (new DatacenterHealth(dc, false, null, null, [], probe.Instance, probe.Error),
                [new(Named(LeaderCheck, dc), false, why), new(Named(VotersCheck, dc), false, why),
                 new(Named(FailureToleranceCheck, dc), false, why), new(Named(DnsCheck, dc), false, why)]);
        }

        // The report comes from a remote machine: a value of another JSON type than documented counts as absent.
        var leaderText = Text(report[ConsulProbeReport.Leader]);
        var leader = leaderText is { Length: > 0 } l ? l : null;
        var autopilot = report[ConsulProbeReport.Autopilot] as JsonObject;
        var servers = (autopilot?["Servers"] as JsonArray ?? []).OfType<JsonObject>().Select(s => new ServerHealth(
            Text(s["Name"]) ?? "", Text(s["Address"]) ?? "", Flag(s["Voter"]), Flag(s["Healthy"]), Flag(s["Leader"]), Text(s["Version"]))).ToList();
        var tolerance = Number(autopilot?["FailureTolerance"]);
        var healthyVoters = servers.Count(s => s.Voter && s.Healthy);
        var voters = servers.Count(s => s.Voter);
        var unhealthy = servers.Where(s => !(s.Voter && s.Healthy)).Select(s => s.Node).ToList();
        var dns = report[ConsulProbeReport.Dns] as JsonObject;
        var answers = (dns?["answers"] as JsonArray ?? []).Select(Text).OfType<string>().ToList();
        var dnsName = Text(dns?["name"]) ?? $"consul.service.{dc}.consul";
        // A call the probe could not make is null, its reason among the errors: say that, not what a null would mean.
        var noAutopilot = autopilot is null ? Unread($"autopilot health of {dc}", report, AutopilotPath) : null;

        HealthCheckResult[] checks =
        [
            new(Named(LeaderCheck, dc), leader is not null, leader is not null
                ? $"{dc} has a leader at {leader}"
                : leaderText is null
                    ? Unread($"the leader of {dc}", report, LeaderPath)
                    : $"{dc} has no leader: its servers cannot elect one (quorum is {spec.ServersPerAz / 2 + 1} of {spec.ServersPerAz})"),
            new(Named(VotersCheck, dc), healthyVoters == spec.ServersPerAz && voters == spec.ServersPerAz,
                noAutopilot ?? $"{healthyVoters} of {spec.ServersPerAz} servers are healthy voters" +
                (unhealthy.Count > 0 ? $"; not a healthy voter: {string.Join(", ", unhealthy)}" : "") +
                (servers.Count < spec.ServersPerAz ? $"; {spec.ServersPerAz - servers.Count} missing from the raft configuration" : "")),
            new(Named(FailureToleranceCheck, dc), tolerance >= 1, noAutopilot ?? (tolerance is { } t
                ? $"{dc} can lose {t} server(s) and keep its quorum" + (t < 1 ? ": one more failure stops it" : "")
                : $"{dc} did not report its failure tolerance")),
            new(Named(DnsCheck, dc), answers.Count > 0, answers.Count > 0
                ? $"{dnsName} answers {string.Join(", ", answers)}"
                : $"{dnsName} does not resolve through the system resolver" +
                  (Text(dns?["error"]) is { } error ? $": {error}" : "")),
        ];
        return (new DatacenterHealth(dc, true, leader, tolerance, servers, probe.Instance), checks);
    }

    private static HealthCheckResult AclReplication(ClusterSpec spec, IReadOnlyList<DatacenterProbe> probes)
    {
        var primary = ConsulAgentConfigs.Datacenter(spec, ConsulAgentConfigs.PrimaryZone);
        var secondaries = spec.AvailabilityZones.Where(dc => dc != primary).ToList();
        var problems = new List<string>();
        foreach (var dc in secondaries)
        {
            var replication = probes.FirstOrDefault(p => p.Datacenter == dc)?.Report?[ConsulProbeReport.AclReplication] as JsonObject;
            if (replication is null) { problems.Add($"{dc} did not report its ACL replication"); continue; }
            if (!Flag(replication["Enabled"])) { problems.Add($"ACL replication is not enabled in {dc}"); continue; }
            if (!Flag(replication["Running"])) { problems.Add($"ACL replication is not running in {dc}"); continue; }
            var success = Time(replication["LastSuccess"]);
            var error = Time(replication["LastError"]);
            if (success is null || error > success)
                problems.Add($"ACL replication in {dc} is failing" +
                             (Text(replication["LastErrorMessage"]) is { Length: > 0 } m ? $": {m}" : "") +
                             (success is { } s ? $" (last success {s:u})" : " (it never succeeded)"));
        }
        return problems.Count == 0
            ? new(AclReplicationCheck, true, $"ACL replication from {primary} runs in {string.Join(", ", secondaries)}")
            : new(AclReplicationCheck, false, string.Join("; ", problems));
    }

    private static int AliveWanMembers(JsonObject report) =>
        (report[ConsulProbeReport.WanMembers] as JsonArray ?? []).OfType<JsonObject>()
            .Count(m => Number(m["Status"]) == 1 && Text((m["Tags"] as JsonObject)?["role"]) is null or "consul");

    private const string LeaderPath = "/v1/status/leader", AutopilotPath = "/v1/operator/autopilot/health";

    /// <summary>"&lt;what&gt; could not be read", with the probe's error about that call when it gave one.</summary>
    private static string Unread(string what, JsonObject report, string path) =>
        (report[ConsulProbeReport.Errors] as JsonArray ?? []).Select(Text).FirstOrDefault(e => e?.StartsWith($"GET {path} ", StringComparison.Ordinal) == true) is { } error
            ? $"{what} could not be read: {error}"
            : $"{what} could not be read";

    // By JSON kind, not CLR type: a report parsed from the probe's output and one built in memory read alike.
    private static string? Text(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;

    private static bool Flag(JsonNode? node) => node?.GetValueKind() == JsonValueKind.True;

    private static int? Number(JsonNode? node) =>
        node?.GetValueKind() == JsonValueKind.Number && int.TryParse(node.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? number : null;

    /// <summary>Consul reports "never" as the zero time <c>0001-01-01T00:00:00Z</c>.</summary>
    private static DateTimeOffset? Time(JsonNode? node) =>
        Text(node) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) && t.Year > 1
            ? t : null;
}
