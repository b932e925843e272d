using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Provisioning.Topology;

namespace Provisioning.Simulation;

/// <summary>How AWS behaves for each resource type: how long it takes, what ids look like, how it fails.</summary>
internal static class SimulatedCloud
{
    /// <summary>Typical create latencies in AWS (seconds); groups wait for instances to boot.</summary>
    public static TimeSpan CreateLatency(string typeName) => TimeSpan.FromSeconds(typeName switch
    {
        "Vpc" => 4,
        "InternetGateway" => 3,
        "Subnet" => 3,
        "RouteTable" or "Route" or "RouteTableAssociation" => 2,
        "SecurityGroup" => 3,
        "SecurityGroupIngressRule" or "SecurityGroupEgressRule" => 1,
        "Role" or "RolePolicy" => 2,
        "InstanceProfile" => 9, // IAM's eventual consistency: the provider waits for the profile to propagate
        "RolePolicyAttachment" => 2,
        "LogGroup" or "Parameter" => 1,
        "Eip" => 2,
        "NatGateway" => 95, // AWS takes one to two minutes before a NAT gateway is available
        "Key" => 3,
        "Alias" => 1,
        "LaunchTemplate" => 2,
        "Group" => 75, // an ASG waits until its desired capacity is InService
        _ => 2,
    });

    public static TimeSpan DeleteLatency(string typeName) => typeName switch
    {
        "Group" => TimeSpan.FromSeconds(60),
        "NatGateway" => TimeSpan.FromSeconds(50),
        _ => CreateLatency(typeName) * 0.6,
    };

    /// <summary>
    /// In-place updates: a group that launches instances waits for them to boot like a create; one that only
    /// terminates waits for the clients to leave; anything else is an API call or two.
    /// </summary>
    public static TimeSpan UpdateLatency(string typeName, bool launches) => typeName switch
    {
        "Group" => launches ? CreateLatency(typeName) : TimeSpan.FromSeconds(30),
        _ => CreateLatency(typeName) * 0.5,
    };

    public static string NewId(PlannedResource resource, string stack) => resource.TypeName switch
    {
        "Vpc" => Hex("vpc-"),
        "InternetGateway" => Hex("igw-"),
        "Subnet" => Hex("subnet-"),
        "RouteTable" => Hex("rtb-"),
        "Route" => $"r-{Hex("rtb-")}1080289494",
        "RouteTableAssociation" => Hex("rtbassoc-"),
        "SecurityGroup" => Hex("sg-"),
        "SecurityGroupIngressRule" or "SecurityGroupEgressRule" => Hex("sgr-"),
        "LaunchTemplate" => Hex("lt-"),
        "Eip" => Hex("eipalloc-"),
        "NatGateway" => Hex("nat-"),
        "Key" => Guid.NewGuid().ToString(),
        "RolePolicyAttachment" => $"{stack}-{resource.Name}-{Hex("")}",
        "Role" or "InstanceProfile" => NamedOrPrefixed(resource),
        "RolePolicy" => $"{stack}-consul-role:{resource.Name}",
        _ => resource.Properties.TryGetValue("name", out var name) && name is string s ? s : $"{stack}-{resource.Name}",
    };

    public static JsonObject Outputs(PlannedResource resource, string id, string region, string account)
    {
        var outputs = new JsonObject { ["id"] = id };
        var service = resource.Type.Split(':')[1].Split('/')[0];
        switch (resource.TypeName)
        {
            case "Role" or "InstanceProfile":
                outputs["name"] = id;
                outputs["arn"] = $"arn:aws:iam::{account}:{(resource.TypeName == "Role" ? "role" : "instance-profile")}/{id}";
                break;
            case "LogGroup":
                outputs["name"] = id;
                outputs["arn"] = $"arn:aws:logs:{region}:{account}:log-group:{id}";
                break;
            case "Parameter":
                outputs["name"] = id;
                outputs["arn"] = $"arn:aws:ssm:{region}:{account}:parameter{id}";
                break;
            case "Group":
                outputs["name"] = id;
                outputs["arn"] = $"arn:aws:autoscaling:{region}:{account}:autoScalingGroup:{Guid.NewGuid()}:autoScalingGroupName/{id}";
                break;
            case "Eip":
                outputs["allocationId"] = id;
                // 192.0.2.0/24 is reserved for documentation: plainly not a real address.
                outputs["publicIp"] = $"192.0.2.{RandomNumberGenerator.GetInt32(1, 255)}";
                outputs["arn"] = $"arn:aws:ec2:{region}:{account}:elastic-ip/{id}";
                break;
            case "Key":
                outputs["keyId"] = id;
                outputs["arn"] = $"arn:aws:kms:{region}:{account}:key/{id}";
                break;
            case "Alias":
                outputs["name"] = id;
                outputs["arn"] = $"arn:aws:kms:{region}:{account}:{id}";
                break;
            case "LaunchTemplate":
                outputs["latestVersion"] = 1;
                outputs["arn"] = $"arn:aws:ec2:{region}:{account}:launch-template/{id}";
                break;
            default:
                outputs["arn"] = $"arn:aws:{service}:{region}:{account}:{resource.TypeName.ToLowerInvariant()}/{id}";
                break;
        }
        return outputs;
    }

    /// <summary>The error AWS (through the Pulumi provider) gives for a failed create of this type.</summary>
    public static string CreateError(PlannedResource resource, string region) => resource.TypeName switch
    {
        "Group" => $"creating Auto Scaling Group ({Property(resource, "name")}): operation error Auto Scaling: CreateAutoScalingGroup, https response error StatusCode: 400, RequestID: {Guid.NewGuid()}, api error ValidationError: You have requested more instances than your current instance limit of 5 allows for the specified instance type. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.",
        "Vpc" => $"creating EC2 VPC: operation error EC2: CreateVpc, https response error StatusCode: 400, RequestID: {Guid.NewGuid()}, api error VpcLimitExceeded: The maximum number of VPCs has been reached.",
        "Subnet" => $"creating EC2 Subnet: operation error EC2: CreateSubnet, https response error StatusCode: 400, RequestID: {Guid.NewGuid()}, api error InvalidParameterValue: Value ({Property(resource, "availabilityZone")}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: {region}a, {region}c.",
        "Role" or "RolePolicy" or "InstanceProfile" => $"creating IAM {resource.TypeName}: operation error IAM: Create{resource.TypeName}, https response error StatusCode: 403, RequestID: {Guid.NewGuid()}, api error AccessDenied: User: arn:aws:sts::123456789012:assumed-role/portal-deployer/portal is not authorized to perform: iam:Create{resource.TypeName} because no identity-based policy allows the iam:Create{resource.TypeName} action",
        "NatGateway" => $"creating EC2 NAT Gateway: operation error EC2: CreateNatGateway, https response error StatusCode: 400, RequestID: {Guid.NewGuid()}, api error NatGatewayLimitExceeded: The maximum number of NAT Gateways has been reached.",
        "Eip" => $"creating EC2 EIP: operation error EC2: AllocateAddress, https response error StatusCode: 400, RequestID: {Guid.NewGuid()}, api error AddressLimitExceeded: The maximum number of addresses has been reached.",
        "Key" => $"creating KMS Key: operation error KMS: CreateKey, https response error StatusCode: 400, RequestID: {Guid.NewGuid()}, api error LimitExceededException: Customer master keys limit exceeded",
        "LaunchTemplate" => $"creating EC2 Launch Template: operation error EC2: CreateLaunchTemplate, https response error StatusCode: 400, RequestID: {Guid.NewGuid()}, api error InvalidAMIID.NotFound: The image id '[ami-0c1c30571d2dae5c9]' does not exist",
        "SecurityGroupIngressRule" or "SecurityGroupEgressRule" => $"creating VPC Security Group Rule: operation error EC2: AuthorizeSecurityGroupIngress, https response error StatusCode: 400, RequestID: {Guid.NewGuid()}, api error RulesPerSecurityGroupLimitExceeded: The maximum number of rules per security group has been reached.",
        _ => $"creating {resource.Type} ({resource.Name}): operation error: https response error StatusCode: 503, RequestID: {Guid.NewGuid()}, api error ServiceUnavailable: Service is unavailable. Please try again shortly.",
    };

    private static string Property(PlannedResource resource, string name) =>
        resource.Properties.TryGetValue(name, out var value) && value is string s ? s : resource.Name;

    private static string NamedOrPrefixed(PlannedResource resource) =>
        resource.Properties.TryGetValue("namePrefix", out var prefix) && prefix is string p
            ? p + RandomNumberGenerator.GetHexString(26, lowercase: true)
            : Property(resource, "name");

    private static string Hex(string prefix) => prefix + RandomNumberGenerator.GetHexString(17, lowercase: true);
}
