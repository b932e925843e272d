using System.Text.RegularExpressions;

namespace Provisioning.Tests.Support;

/// <summary>Finds text that could be a leaked gossip key.</summary>
internal static partial class SecretScan
{
    /// <summary>Every 32-byte value in base64 (43 characters and one '='), the shape of a Consul gossip key.</summary>
    public static IReadOnlyList<string> GossipKeyLookalikes(string text) => Base64Key().Matches(text).Select(m => m.Value).ToList();

    [GeneratedRegex("(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}=")]
    private static partial Regex Base64Key();
}
