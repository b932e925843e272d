using Provisioning.Clusters;
using Provisioning.Consul;

namespace Provisioning.Topology;

/// <summary>Security: the security groups and their rules, and the cluster's KMS key and secret parameters.</summary>
public static partial class TopologyPlanBuilder
{
    private static void AddSecurityGroups(ClusterSpec spec, NetworkLayout network, AddResource add)
    {
        foreach (var (name, role) in new[] { (ServerSecurityGroup, ConsulRole.Server), (ClientSecurityGroup, ConsulRole.Client) })
            add(name, "aws:ec2/securityGroup:SecurityGroup", new()
            {
                ["namePrefix"] = ClusterNames.SecurityGroupNamePrefix(spec.Name, role),
                ["description"] = $"Consul {role.Key()}s of cluster {spec.Name}",
                ["vpcId"] = new ResourceOutput(Vpc, "id"),
                ["tags"] = Tags(spec, $"{spec.Name}-{role.Key()}"),
            }, []);

        foreach (var rule in SecurityRules.For(spec, network))
        {
            var properties = new Dictionary<string, object?>
            {
                ["securityGroupId"] = new ResourceOutput(rule.SecurityGroup, "id"),
                ["ipProtocol"] = rule.Protocol,
                ["fromPort"] = rule.FromPort,
                ["toPort"] = rule.ToPort,
                ["description"] = rule.Description,
            };
            if (rule.PeerSecurityGroup is not null)
                properties["referencedSecurityGroupId"] = new ResourceOutput(rule.PeerSecurityGroup, "id");
            else
                properties["cidrIpv4"] = rule.PeerCidr;
            add(rule.Name, rule.Egress ? "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule" : "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", properties, []);
        }
    }

    /// <summary>
    /// The cluster's own KMS key (not the account-wide aws/ssm key) and one SSM parameter per secret,
    /// fed from the stack's secret configuration. Only the CA certificate is a plain String: it is public.
    /// </summary>
    private static void AddSecrets(ClusterSpec spec, AddResource add)
    {
        add(ClusterKey, "aws:kms/key:Key", new()
        {
            ["description"] = $"Encrypts the Consul secrets of cluster {spec.Name}",
            ["enableKeyRotation"] = true,
            // The shortest window AWS allows: a destroyed cluster's key goes soon, yet a mistaken destroy can still be undone.
            ["deletionWindowInDays"] = 7,
            ["tags"] = Tags(spec),
        }, []);
        add(ClusterKeyAlias, "aws:kms/alias:Alias", new()
        {
            ["name"] = ClusterNames.KeyAliasName(spec.Name),
            ["targetKeyId"] = new ResourceOutput(ClusterKey, "keyId"),
        }, []);
        foreach (var parameter in ClusterParameters.All)
        {
            var properties = new Dictionary<string, object?>
            {
                ["name"] = parameter.Name(spec),
                ["type"] = parameter.Secure ? "SecureString" : "String",
                ["description"] = $"{parameter.Description} of cluster {spec.Name}",
                // The provider always treats a parameter's value as secret, even the public certificate's.
                ["value"] = new SecretValue(new ConfigRef(parameter.ConfigKey)),
                ["tags"] = Tags(spec),
            };
            if (parameter.Secure) properties["keyId"] = new ResourceOutput(ClusterKey, "arn");
            add(parameter.Resource, "aws:ssm/parameter:Parameter", properties, []);
        }
    }
}
