using Provisioning.Clusters;
using Provisioning.Topology;

namespace Provisioning.Consul;

/// <summary>The agent configuration of a server or client in one of the cluster's two datacenters.</summary>
public static class ConsulAgentConfigs
{
    public static ConsulAgentConfig For(ConsulRole role, ClusterSpec spec, NetworkLayout network, int zone, ConsulNode node) =>
        role == ConsulRole.Server ? Server(spec, network, zone, node) : Client(spec, network, zone, node);

    public static ConsulAgentConfig Server(ClusterSpec spec, NetworkLayout network, int zone, ConsulNode node) =>
        Client(spec, network, zone, node) with
        {
            Server = true,
            BootstrapExpect = spec.ServersPerAz,
            // The other AZ's servers form this DC's WAN peers: a cluster has exactly two zones.
            RetryJoinWan = [AutoJoin(spec, 1 - zone)],
            Autopilot = new ConsulAutopilot(
                CleanupDeadServers: true, LastContactThreshold: "200ms", MaxTrailingLogs: 250, ServerStabilizationTime: "10s"),
            // The security group opens 8500 to the admin range only when one is set; the API must then
            // listen on the private address too, or that rule (and the UI URL) would lead nowhere.
            Addresses = spec.AdminCidr is null ? null : new ConsulAddresses($"127.0.0.1 {node.Address}"),
        };

    /// <summary>Clients join their own AZ's servers only: they are not members of the WAN pool.</summary>
    public static ConsulAgentConfig Client(ClusterSpec spec, NetworkLayout network, int zone, ConsulNode node) => new()
    {
        Datacenter = Datacenter(spec, zone),
        NodeName = node.NodeName,
        BindAddr = node.Address,
        AdvertiseAddr = node.Address,
        RetryJoin = [AutoJoin(spec, zone)],
        Recursors = [network.VpcResolver],
        Encrypt = node.GossipKey,
    };

    /// <summary>A datacenter is named after its AZ; Consul would silently lower-case or reject anything else.</summary>
    public static string Datacenter(ClusterSpec spec, int zone)
    {
        if (spec.AvailabilityZones.Count != 2)
            throw new ArgumentException($"A cluster spans exactly two Availability Zones, not {spec.AvailabilityZones.Count}.", nameof(spec));
        var name = spec.AvailabilityZones[zone];
        if (!ClusterSpecValidator.DatacenterName().IsMatch(name))
            throw new ArgumentException($"'{name}' cannot be a Consul datacenter name: only a-z, 0-9, '_' and '-' are allowed.", nameof(spec));
        return name;
    }

    /// <summary>Cloud auto-join searches the whole region, so the tag value carries the cluster name.</summary>
    public static string AutoJoin(ClusterSpec spec, int zone) =>
        $"provider=aws region={spec.Region} tag_key={TopologyPlanBuilder.JoinTagKey} tag_value={TopologyPlanBuilder.JoinTag(spec, zone)}";
}
