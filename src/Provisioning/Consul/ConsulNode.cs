namespace Provisioning.Consul;

/// <summary>What only the booting instance knows: its id, its address and the gossip key read from SSM.</summary>
public sealed record ConsulNode(string NodeName, string Address, string GossipKey)
{
    /// <summary>
    /// The boot script's shell variables. Configs rendered with these are written through an
    /// unquoted heredoc, so bash fills them in on the instance and the key never leaves it.
    /// </summary>
    public static ConsulNode BootVariables { get; } = new("${INSTANCE_ID}", "${PRIVATE_IP}", "${GOSSIP_KEY}");
}
