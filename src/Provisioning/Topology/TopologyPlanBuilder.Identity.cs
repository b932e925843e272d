using Provisioning.Clusters;
using Provisioning.Consul;

namespace Provisioning.Topology;

/// <summary>Identity: one IAM role per Consul role, with its least-privilege policy and instance profile.</summary>
public static partial class TopologyPlanBuilder
{
    /// <summary>
    /// One role per Consul role, so that a client can never read what only servers need (the CA key,
    /// the management, replication and health tokens).
    /// </summary>
    private static void AddIam(ClusterSpec spec, ConsulRole role, AddResource add)
    {
        add(Role(role), "aws:iam/role:Role", new()
        {
            ["namePrefix"] = ClusterNames.RoleNamePrefix(spec.Name, role),
            ["description"] = $"Consul {role.Key()}s of cluster {spec.Name}",
            ["assumeRolePolicy"] = new ToJson(new Dictionary<string, object?>
            {
                ["Version"] = "2012-10-17",
                ["Statement"] = new List<object?>
                {
                    new Dictionary<string, object?>
                    {
                        ["Effect"] = "Allow",
                        ["Principal"] = new Dictionary<string, object?> { ["Service"] = "ec2.amazonaws.com" },
                        ["Action"] = "sts:AssumeRole",
                    },
                },
            }),
            ["tags"] = Tags(spec),
        }, []);

        var groups = role == ConsulRole.Server
            ? Enumerable.Range(0, spec.AvailabilityZones.Count).Select(z => ClusterNames.ServerGroupName(spec, z)).ToList()
            : [ClusterNames.ClientGroupName(spec)];
        add(RolePolicy(role), "aws:iam/rolePolicy:RolePolicy", new()
        {
            ["role"] = new ResourceOutput(Role(role), "id"),
            ["policy"] = new ToJson(new Dictionary<string, object?>
            {
                ["Version"] = "2012-10-17",
                ["Statement"] = new List<object?>
                {
                    Statement("CloudAutoJoin", ["ec2:DescribeInstances"], ["*"]),
                    Statement("ShipLogs",
                        ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                        LogGroups.SelectMany(g => new object?[] { new ResourceOutput(g, "arn"), new Interpolation(new ResourceOutput(g, "arn"), ":*") }).ToList()),
                    Statement("ReadOwnParameters", ["ssm:GetParameter"],
                        ClusterParameters.ReadBy(role).Select(p => (object?)new ResourceOutput(p.Resource, "arn")).ToList()),
                    // Only through SSM: the key cannot be used directly even by this role.
                    Statement("DecryptOwnParameters", ["kms:Decrypt"], [new ResourceOutput(ClusterKey, "arn")],
                        new Dictionary<string, object?>
                        {
                            ["StringEquals"] = new Dictionary<string, object?> { ["kms:ViaService"] = $"ssm.{spec.Region}.amazonaws.com" },
                        }),
                    // The group ARN holds a generated id; the name part is what the plan fixes.
                    Statement("CompleteOwnBoot", ["autoscaling:CompleteLifecycleAction"],
                        groups.Select(g => (object?)new Interpolation(
                            $"arn:aws:autoscaling:{spec.Region}:", new VariableRef(AccountIdVariable), $":autoScalingGroup:*:autoScalingGroupName/{g}")).ToList()),
                },
            }),
        }, []);
        add(SessionManagerAttachment(role), "aws:iam/rolePolicyAttachment:RolePolicyAttachment", new()
        {
            ["role"] = new ResourceOutput(Role(role), "name"),
            ["policyArn"] = SessionManagerPolicyArn,
        }, []);
        add(InstanceProfile(role), "aws:iam/instanceProfile:InstanceProfile", new()
        {
            ["namePrefix"] = $"{spec.Name}-{role.Key()}-",
            ["role"] = new ResourceOutput(Role(role), "name"),
            ["tags"] = Tags(spec),
        }, []);
    }

    private static Dictionary<string, object?> Statement(
        string sid, List<object?> actions, List<object?> resources, Dictionary<string, object?>? condition = null)
    {
        var statement = new Dictionary<string, object?>
        {
            ["Sid"] = sid,
            ["Effect"] = "Allow",
            ["Action"] = actions,
            ["Resource"] = resources,
        };
        if (condition is not null) statement["Condition"] = condition;
        return statement;
    }
}
