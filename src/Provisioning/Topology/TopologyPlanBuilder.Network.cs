using Provisioning.Clusters;

namespace Provisioning.Topology;

/// <summary>Network: the VPC, its subnets, gateways and routes.</summary>
public static partial class TopologyPlanBuilder
{
    /// <summary>
    /// Per AZ: a public subnet holding a NAT gateway with its own address, and a private subnet for the
    /// nodes whose route out is that AZ's gateway, so losing one AZ never cuts the other's egress.
    /// </summary>
    private static void AddNetwork(ClusterSpec spec, NetworkLayout network, AddResource add)
    {
        add(Vpc, "aws:ec2/vpc:Vpc", new()
        {
            ["cidrBlock"] = network.Vpc.ToString(),
            ["enableDnsSupport"] = true,
            ["enableDnsHostnames"] = true,
            ["tags"] = Tags(spec, $"{spec.Name}-vpc"),
        }, []);
        add(InternetGateway, "aws:ec2/internetGateway:InternetGateway", new()
        {
            ["vpcId"] = new ResourceOutput(Vpc, "id"),
            ["tags"] = Tags(spec, $"{spec.Name}-igw"),
        }, []);
        add(PublicRouteTable, "aws:ec2/routeTable:RouteTable", new()
        {
            ["vpcId"] = new ResourceOutput(Vpc, "id"),
            ["tags"] = Tags(spec, $"{spec.Name}-public"),
        }, []);
        add(InternetRoute, "aws:ec2/route:Route", new()
        {
            ["routeTableId"] = new ResourceOutput(PublicRouteTable, "id"),
            ["destinationCidrBlock"] = "0.0.0.0/0",
            ["gatewayId"] = new ResourceOutput(InternetGateway, "id"),
        }, []);
        for (var zone = 0; zone < network.Subnets.Count; zone++)
        {
            var subnet = network.Subnets[zone];
            var az = subnet.AvailabilityZone;
            add(PublicSubnet(zone), "aws:ec2/subnet:Subnet", new()
            {
                ["vpcId"] = new ResourceOutput(Vpc, "id"),
                ["availabilityZone"] = az,
                ["cidrBlock"] = subnet.PublicCidr.ToString(),
                // Only the NAT gateway lives here, with its Elastic IP: nothing gets an address by default.
                ["mapPublicIpOnLaunch"] = false,
                ["tags"] = Tags(spec, $"{spec.Name}-public-{az}"),
            }, []);
            add(PublicRouteTableAssociation(zone), "aws:ec2/routeTableAssociation:RouteTableAssociation", new()
            {
                ["routeTableId"] = new ResourceOutput(PublicRouteTable, "id"),
                ["subnetId"] = new ResourceOutput(PublicSubnet(zone), "id"),
            }, []);
            add(NatAddress(zone), "aws:ec2/eip:Eip", new()
            {
                ["domain"] = "vpc",
                ["tags"] = Tags(spec, $"{spec.Name}-nat-{az}"),
            }, []);
            // A NAT gateway needs the internet gateway attached before it can route (AWS's own advice).
            add(NatGateway(zone), "aws:ec2/natGateway:NatGateway", new()
            {
                ["allocationId"] = new ResourceOutput(NatAddress(zone), "allocationId"),
                ["subnetId"] = new ResourceOutput(PublicSubnet(zone), "id"),
                ["connectivityType"] = "public",
                ["tags"] = Tags(spec, $"{spec.Name}-nat-{az}"),
            }, [InternetRoute, PublicRouteTableAssociation(zone)]);
            add(PrivateSubnet(zone), "aws:ec2/subnet:Subnet", new()
            {
                ["vpcId"] = new ResourceOutput(Vpc, "id"),
                ["availabilityZone"] = az,
                ["cidrBlock"] = subnet.Cidr.ToString(),
                ["mapPublicIpOnLaunch"] = false,
                ["tags"] = Tags(spec, $"{spec.Name}-private-{az}"),
            }, []);
            add(PrivateRouteTable(zone), "aws:ec2/routeTable:RouteTable", new()
            {
                ["vpcId"] = new ResourceOutput(Vpc, "id"),
                ["tags"] = Tags(spec, $"{spec.Name}-private-{az}"),
            }, []);
            add(NatRoute(zone), "aws:ec2/route:Route", new()
            {
                ["routeTableId"] = new ResourceOutput(PrivateRouteTable(zone), "id"),
                ["destinationCidrBlock"] = "0.0.0.0/0",
                ["natGatewayId"] = new ResourceOutput(NatGateway(zone), "id"),
            }, []);
            add(PrivateRouteTableAssociation(zone), "aws:ec2/routeTableAssociation:RouteTableAssociation", new()
            {
                ["routeTableId"] = new ResourceOutput(PrivateRouteTable(zone), "id"),
                ["subnetId"] = new ResourceOutput(PrivateSubnet(zone), "id"),
            }, []);
        }
    }
}
