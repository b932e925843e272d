namespace Provisioning.Consul;

/// <summary>
/// What only the booting instance knows: its id and address, and the secrets it read from SSM.
/// Tokens a role does not get (the management token outside the primary DC's servers) are never read.
/// </summary>
public sealed record ConsulNode(
    string NodeName, string Address, string GossipKey,
    string AgentToken, string DnsToken, string ManagementToken, string ReplicationToken)
{
    /// <summary>
    /// The boot script's shell variables. Configs rendered with these are written through an
    /// unquoted heredoc, so bash fills them in on the instance and no secret ever leaves it.
    /// </summary>
    public static ConsulNode BootVariables { get; } = new(
        "${INSTANCE_ID}", "${PRIVATE_IP}", "${GOSSIP_KEY}",
        "${AGENT_TOKEN}", "${DNS_TOKEN}", "${MANAGEMENT_TOKEN}", "${REPLICATION_TOKEN}");

    /// <summary>The variables above, which the boot script's heredoc guard allows.</summary>
    public IEnumerable<string> Values => [NodeName, Address, GossipKey, AgentToken, DnsToken, ManagementToken, ReplicationToken];
}
