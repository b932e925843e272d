namespace Provisioning.Clusters;

/// <summary>How a cluster's VPC range is divided: one public subnet per Availability Zone.</summary>
public sealed record NetworkLayout(Ipv4Cidr Vpc, IReadOnlyList<ZoneSubnet> Subnets)
{
    /// <summary>Accepted VPC sizes: large enough for 5 servers and all 50 clients in one AZ after the other fails.</summary>
    public const int LargestPrefix = 16, SmallestPrefix = 22;

    /// <summary>Each subnet is a sixteenth of the VPC, leaving room for later tiers (private subnets, endpoints).</summary>
    private const int SubnetBits = 4;

    /// <summary>The Amazon-provided DNS resolver of a VPC lives at its base address plus two.</summary>
    public string VpcResolver => Vpc.Address(2);

    public static NetworkLayout For(ClusterSpec spec)
    {
        var vpc = Ipv4Cidr.Parse(spec.VpcCidr);
        var subnets = spec.AvailabilityZones
            .Select((zone, i) => new ZoneSubnet(zone, vpc.Subnet(vpc.PrefixLength + SubnetBits, i)))
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

public sealed record ZoneSubnet(string AvailabilityZone, Ipv4Cidr Cidr);
