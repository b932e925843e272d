namespace Provisioning.Clusters;

/// <summary>
/// How a cluster's VPC range is divided: per Availability Zone, a private subnet for the nodes and a
/// small public one that only holds that zone's NAT gateway.
/// </summary>
public sealed record NetworkLayout(Ipv4Cidr Vpc, IReadOnlyList<ZoneSubnet> Subnets)
{
    /// <summary>Accepted VPC sizes: large enough for 5 servers and all 50 clients in one AZ after the other fails.</summary>
    public const int LargestPrefix = 16, SmallestPrefix = 22;

    /// <summary>
    /// Each subnet is a sixteenth of the VPC. The nodes' subnets are the first ones, so node addresses
    /// start at the VPC's base; the NAT subnets are the last ones, leaving the middle for later tiers.
    /// </summary>
    private const int SubnetBits = 4, Sixteenths = 1 << SubnetBits;

    /// <summary>The Amazon-provided DNS resolver of a VPC lives at its base address plus two.</summary>
    public string VpcResolver => Vpc.Address(2);

    public static NetworkLayout For(ClusterSpec spec)
    {
        var vpc = Ipv4Cidr.Parse(spec.VpcCidr);
        var subnets = spec.AvailabilityZones
            .Select((zone, i) => new ZoneSubnet(zone,
                vpc.Subnet(vpc.PrefixLength + SubnetBits, i),
                vpc.Subnet(vpc.PrefixLength + SubnetBits, Sixteenths - 1 - i)))
            .ToList();
        return new NetworkLayout(vpc, subnets);
    }

    /// <summary>The first free /16 in 10.0.0.0/8 that overlaps none of <paramref name="taken"/>.</summary>
    public static Ipv4Cidr? PickFreeVpc(IEnumerable<Ipv4Cidr> taken)
    {
        var used = taken.ToList();
        var pool = Ipv4Cidr.Parse("10.0.0.0/8");
        for (var i = 0; i < 256; i++)
        {
            var candidate = pool.Subnet(16, i);
            if (!used.Any(candidate.Overlaps)) return candidate;
        }
        return null;
    }
}

/// <param name="Cidr">The private subnet where the zone's servers and clients run.</param>
/// <param name="PublicCidr">The public subnet holding the zone's NAT gateway, and nothing else.</param>
public sealed record ZoneSubnet(string AvailabilityZone, Ipv4Cidr Cidr, Ipv4Cidr PublicCidr);
