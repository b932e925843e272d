using System.Text.Json.Nodes;

namespace Provisioning.Health;

/// <summary>
/// What one server of a datacenter printed when asked for its health (<see cref="ConsulProbeReport"/>), or why
/// none could be asked. Both engines produce these; <see cref="ConsulHealthEvaluator"/> judges them the same way.
/// </summary>
/// <param name="Instance">The server that answered, or null when none did.</param>
/// <param name="Report">The probe's JSON document: Consul's own API responses, unchanged.</param>
/// <param name="Error">Why the datacenter could not be probed (no online server, command failed or timed out).</param>
public sealed record DatacenterProbe(string Datacenter, string? Instance, JsonObject? Report, string? Error = null)
{
    public static DatacenterProbe Unreachable(string datacenter, string error) => new(datacenter, null, null, error);
}

/// <summary>
/// The keys of the document the probe prints. Each holds the body of one Consul HTTP API call, as
/// Consul's API documentation gives it:
/// <list type="bullet">
/// <item><c>leader</c>: <c>GET /v1/status/leader</c>, a JSON string, empty without a leader;</item>
/// <item><c>autopilot</c>: <c>GET /v1/operator/autopilot/health</c> (<c>Healthy</c>, <c>FailureTolerance</c>, <c>Servers</c>);</item>
/// <item><c>wanMembers</c>: <c>GET /v1/agent/members?wan=1</c>, <c>Status</c> 1 meaning alive;</item>
/// <item><c>aclReplication</c>: <c>GET /v1/acl/replication</c> (secondary datacenters only, else null);</item>
/// <item><c>dns</c>: <c>{"name": "consul.service.&lt;dc&gt;.consul", "answers": ["10.0.1.10", …]}</c> from the system resolver,
/// with <c>"error"</c> when the name does not resolve;</item>
/// <item><c>errors</c>: why a call above gave no answer (its key is then null), so a check names its cause, not a parse error.</item>
/// </list>
/// </summary>
public static class ConsulProbeReport
{
    public const string Datacenter = "datacenter", Node = "node", Leader = "leader", Autopilot = "autopilot",
        WanMembers = "wanMembers", AclReplication = "aclReplication", Dns = "dns", Errors = "errors";
}
