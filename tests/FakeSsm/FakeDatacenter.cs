using System.Security.Cryptography;
using System.Text;

namespace FakeSsm;

/// <summary>What can be wrong with a datacenter's Consul, one per health check of the portal.</summary>
public enum ConsulFault
{
    /// <summary><c>/v1/status/leader</c> answers <c>""</c>; autopilot (and replication status) answer 500 "No cluster leader".</summary>
    NoLeader,

    /// <summary>The last server is alive and healthy but not a voter (autopilot has not promoted it).</summary>
    MissingVoter,

    /// <summary>Autopilot reports a failure tolerance of 0.</summary>
    NoFailureTolerance,

    /// <summary>The last server is failed (Status 4) in the WAN pool, as every server of both datacenters sees it.</summary>
    WanMemberDown,

    /// <summary><c>consul.service.&lt;dc&gt;.consul</c> does not resolve through the system resolver.</summary>
    DnsFails,

    /// <summary>ACL replication is enabled but not running in this (secondary) datacenter.</summary>
    ReplicationStopped,
}

/// <summary>
/// The servers that carry one <c>consul-join</c> tag value (<c>&lt;cluster&gt;-&lt;az&gt;</c>, one datacenter) and how their
/// Consul behaves. A datacenter nobody configured is healthy with three servers. Instance ids are derived from the tag,
/// so both datacenters of a cluster name each other's servers alike whichever was asked first.
/// </summary>
public sealed class FakeDatacenter(string joinTag)
{
    public string JoinTag { get; } = joinTag;

    public int Servers { get; set; } = 3;

    /// <summary>False: every server's SSM agent has lost its connection (PingStatus ConnectionLost).</summary>
    public bool Online { get; set; } = true;

    public HashSet<ConsulFault> Faults { get; } = [];

    /// <summary>The commands sent to the first n servers (in the order DescribeInstanceInformation lists them) fail.</summary>
    public int FailingServers { get; set; }

    /// <summary>The first n servers were terminated a moment ago: still listed Online, but SendCommand refuses them (InvalidInstanceId).</summary>
    public int TerminatedServers { get; set; }

    /// <summary>GetCommandInvocation answers InvocationDoesNotExist this many times right after SendCommand, as SSM's eventual consistency does.</summary>
    public int InvisiblePolls { get; set; } = 1;

    /// <summary>Then the invocation is InProgress for this many polls before it ends.</summary>
    public int PendingPolls { get; set; } = 1;

    public string ConsulVersion { get; set; } = "1.21.4";

    public IReadOnlyList<string> InstanceIds => Enumerable.Range(0, Servers).Select(InstanceId).ToList();

    public string InstanceId(int server) => $"i-{Hash[..14]}{server:x3}";

    public string Address(int server) => $"10.{Octet(0)}.{Octet(1)}.{10 + server}";

    /// <summary>A server's Raft ID, a UUID as Consul makes them, stable for the instance.</summary>
    public string RaftId(int server) => new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(InstanceId(server)))[..16]).ToString();

    public int IndexOf(string instanceId) => InstanceIds.ToList().IndexOf(instanceId);

    private string Hash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JoinTag)));

    private int Octet(int index) => Convert.ToInt32(Hash.Substring(14 + index * 2, 2), 16) % 250 + 1;
}
