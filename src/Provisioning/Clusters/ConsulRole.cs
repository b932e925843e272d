namespace Provisioning.Clusters;

/// <summary>What an instance runs as; each role has one launch template and one boot script.</summary>
public enum ConsulRole { Server, Client }

public static class ConsulRoles
{
    /// <summary>The key of a role's script in the plan's <c>BootScripts</c>.</summary>
    public static string Key(this ConsulRole role) => role == ConsulRole.Server ? "server" : "client";
}
