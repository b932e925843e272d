using Microsoft.AspNetCore.DataProtection;

namespace Portal.Clusters;

/// <summary>Creates each cluster's Consul gossip key and keeps it encrypted at rest.</summary>
public sealed class GossipKeyProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Portal.Clusters.GossipKey.v1");

    public string Protect(string key) => _protector.Protect(key);

    public string Unprotect(string protectedKey) => _protector.Unprotect(protectedKey);
}
