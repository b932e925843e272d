using System.Security.Cryptography;

namespace Provisioning.Security;

/// <summary>The symmetric key that encrypts Consul's gossip, shared by both datacenters of a cluster.</summary>
public static class GossipKey
{
    /// <summary>Consul 1.x accepts 16, 24 or 32 bytes; 32 selects AES-256, as <c>consul keygen</c> does.</summary>
    public const int Bytes = 32;

    /// <summary>A fresh random key, base64 encoded as Consul's <c>encrypt</c> setting expects.</summary>
    public static string Generate() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(Bytes));

    public static bool IsValid(string? key)
    {
        if (key is null) return false;
        var buffer = new byte[Bytes];
        return Convert.TryFromBase64String(key, buffer, out var written) && written == Bytes;
    }
}
