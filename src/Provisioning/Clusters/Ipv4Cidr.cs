using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Provisioning.Clusters;

/// <summary>An IPv4 network in CIDR notation, always normalised to its network address.</summary>
public readonly record struct Ipv4Cidr(uint Network, int PrefixLength)
{
    public uint Size => PrefixLength == 0 ? uint.MaxValue : 1u << (32 - PrefixLength);
    public uint Last => Network + (Size - 1);

    public static bool TryParse(string? text, [NotNullWhen(true)] out Ipv4Cidr? cidr, [NotNullWhen(false)] out string? error)
    {
        cidr = null;
        var parts = (text ?? "").Trim().Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[1], out var prefix) || prefix is < 0 or > 32
            || !IPAddress.TryParse(parts[0], out var address)
            || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || parts[0].Count(c => c == '.') != 3)
        {
            error = $"'{text}' is not an IPv4 CIDR block such as 10.20.0.0/16.";
            return false;
        }
        var bytes = address.GetAddressBytes();
        var value = (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
        var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        if ((value & mask) != value)
        {
            error = $"'{text}' has host bits set; the network address is {Format(value & mask)}/{prefix}.";
            return false;
        }
        cidr = new Ipv4Cidr(value, prefix);
        error = null;
        return true;
    }

    public static Ipv4Cidr Parse(string text) =>
        TryParse(text, out var cidr, out var error) ? cidr.Value : throw new FormatException(error);

    public bool Overlaps(Ipv4Cidr other) => Network <= other.Last && other.Network <= Last;

    public bool Contains(Ipv4Cidr other) => Network <= other.Network && other.Last <= Last;

    /// <summary>The <paramref name="index"/>-th block of the given prefix length inside this one.</summary>
    public Ipv4Cidr Subnet(int prefixLength, int index)
    {
        if (prefixLength < PrefixLength || prefixLength > 32) throw new ArgumentOutOfRangeException(nameof(prefixLength));
        var size = 1u << (32 - prefixLength);
        var network = Network + (uint)index * size;
        if (network + (size - 1) > Last) throw new ArgumentOutOfRangeException(nameof(index));
        return new Ipv4Cidr(network, prefixLength);
    }

    /// <summary>The address at <paramref name="offset"/> from the network address.</summary>
    public string Address(uint offset) => Format(Network + offset);

    public override string ToString() => $"{Format(Network)}/{PrefixLength}";

    private static string Format(uint value) =>
        $"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}";
}
