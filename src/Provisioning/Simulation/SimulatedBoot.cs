using Provisioning.Clusters;
using Provisioning.Consul;
using Provisioning.Topology;

namespace Provisioning.Simulation;

/// <summary>
/// What the simulation shows while an auto-scaling group boots its instances: the same stages a real
/// node goes through (launch into the private subnet, TLS and ACLs, quorum, the ACL bootstrap or its
/// replication, the self-test and the lifecycle action), each at a fraction of the group's latency.
/// </summary>
internal static class SimulatedBoot
{
    public static IReadOnlyList<(double At, string Message)> Stages(TopologyPlan plan, PlannedResource group)
    {
        var spec = plan.Spec;
        var hook = ClusterNames.BootLifecycleHook;
        var passed = $"{group.Name}: every instance passed its boot self-test (service active, member alive, " +
                     (group.Name == TopologyPlanBuilder.ClientGroup ? "" : "leader present, ") +
                     $"DNS answers through the system resolver) and completed lifecycle hook {hook} with CONTINUE";
        if (group.Name == TopologyPlanBuilder.ClientGroup)
            return
            [
                (0.2, $"{group.Name}: launched {spec.ClientCount} client(s) across the private subnets of {string.Join(" and ", spec.AvailabilityZones)}, without public addresses; each waits in Pending:Wait until it proves its boot"),
                (0.6, $"{group.Name}: clients got their TLS certificates from the servers (auto_encrypt) and joined their own zone's datacenter with the agent token"),
                (1.0, passed),
            ];

        var zone = group.Name[^1] - 'A';
        var dc = ConsulAgentConfigs.Datacenter(spec, zone);
        var primary = ConsulAgentConfigs.Datacenter(spec, ConsulAgentConfigs.PrimaryZone);
        var quorum = spec.ServersPerAz / 2 + 1;
        return
        [
            (0.15, $"{group.Name}: launched {spec.ServersPerAz} server(s) into the private subnet of {dc}, without public addresses; each waits in Pending:Wait until it proves its boot"),
            (0.5, $"{group.Name}: servers signed their certificates with the cluster CA and started Consul {spec.ConsulVersion} with ACLs denying by default, gossip encryption and HTTPS on 8501 only"),
            (0.7, $"{dc}: {spec.ServersPerAz} servers elected a leader (quorum {quorum} of {spec.ServersPerAz}) and joined the other datacenter over WAN gossip"),
            zone == ConsulAgentConfigs.PrimaryZone
                ? (0.85, $"{dc}: ACL bootstrap created the policies {string.Join(", ", ConsulAclPolicies.All.Select(p => p.Name))} and their tokens with the SecretIDs the portal generated")
                // Replication needs the primary's bootstrap, which runs in parallel: until then the secondary asks the primary.
                : (0.85, $"{dc}: ACL replication of policies and tokens from the primary datacenter {primary} started; until its first round, tokens are resolved in {primary}"),
            (1.0, passed),
        ];
    }
}
