using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Portal.Clusters;

/// <summary>Creates each cluster's Consul gossip key and keeps it encrypted at rest.</summary>
public sealed class GossipKeyProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Portal.Clusters.GossipKey.v1");

    /// <summary>A new key in the form <c>consul keygen</c> prints: 32 random bytes, base64.</summary>
    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string Protect(string key) => _protector.Protect(key);

    public string Unprotect(string protectedKey) => _protector.Unprotect(protectedKey);
}
