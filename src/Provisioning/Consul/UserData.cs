using System.IO.Compression;
using System.Text;

namespace Provisioning.Consul;

/// <summary>
/// A boot script as EC2 user data: gzip-compressed, then base64. EC2 refuses user data over 16 KB
/// before base64, and the hardened scripts (two datacenters' configurations, the ACL bootstrap, the
/// self-test) come close to that in plain text. cloud-init on Amazon Linux 2023 recognises gzip and
/// runs the script inside. The plan keeps the plain script beside it for reading.
/// </summary>
public static class UserData
{
    /// <summary>EC2's limit on user data, before base64 encoding.</summary>
    public const int MaxBytes = 16 * 1024;

    public static string Encode(string script)
    {
        using var compressed = new MemoryStream();
        // No file name or time goes into the header: the same script always encodes to the same text,
        // so an unchanged plan never shows a launch-template change.
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
            gzip.Write(Encoding.UTF8.GetBytes(script));
        return Convert.ToBase64String(compressed.ToArray());
    }

    public static string Decode(string userData)
    {
        using var gzip = new GZipStream(new MemoryStream(Convert.FromBase64String(userData)), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>The size EC2 checks: the compressed bytes, before base64.</summary>
    public static int SizeInBytes(string userData) => Convert.FromBase64String(userData).Length;
}
