using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Provisioning.Clusters;

/// <summary>An IPv4 network in CIDR notation, always normalised to its network address.</summary>
public readonly record struct Ipv4Cidr(uint Network, int PrefixLength)
{
    public uint Size => PrefixLength == 0 ? uint.MaxValue : 1u << (32 - PrefixLength);
    public uint Last => Network + (Size - 1);

    /// <summary>
    /// Reads dotted-decimal CIDR notation only: four octets of 0–255 and a prefix of 0–32, in plain ASCII digits
    /// without leading zeros. <c>IPAddress.TryParse</c> is not used: it reads
    /// <c>010.0.0.0</c> as octal (8.0.0.0), so a VPC would land somewhere other than where its request says.
    /// </summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out Ipv4Cidr? cidr, [NotNullWhen(false)] out string? error)
    {
        cidr = null;
        var parts = (text ?? "").Trim().Split('/');
        var octets = parts[0].Split('.');
        if (parts.Length != 2 || !TryParseDecimal(parts[1], 32, out var prefix) || octets.Length != 4)
        {
            error = NotACidr(text);
            return false;
        }
        var value = 0u;
        foreach (var octet in octets)
        {
            if (!TryParseDecimal(octet, 255, out var part))
            {
                error = NotACidr(text);
                return false;
            }
            value = value << 8 | (uint)part;
        }
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

    private static string NotACidr(string? text) =>
        $"'{text}' is not an IPv4 CIDR block such as 10.20.0.0/16: four numbers of 0 to 255 without leading zeros, and a prefix of 0 to 32.";

    /// <summary>A number of 0 to <paramref name="max"/> in ASCII digits, "0" or without a leading zero; no sign, no spaces.</summary>
    private static bool TryParseDecimal(string text, int max, out int value)
    {
        value = 0;
        if (text.Length is 0 or > 3 || (text.Length > 1 && text[0] == '0') || !text.All(char.IsAsciiDigit)) return false;
        value = int.Parse(text, CultureInfo.InvariantCulture);
        return value <= max;
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
