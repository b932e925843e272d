
namespace Provisioning.Clusters;

/// <summary>
/// The AWS names the plan derives from a cluster name, checked against <see cref="AwsValueRules"/>
/// when the name is validated: a name AWS would refuse is turned down with the rule, never at deploy time.
/// </summary>
public static class AwsNames
{
    public static IEnumerable<string> Problems(string cluster)
    {
        var derived = new List<(string What, string Value, AwsValueRule Rule)>
        {
            ("the alias of its KMS key", ClusterNames.KeyAliasName(cluster), AwsValueRules.KmsAlias),
            ("its SSM parameters", $"/consul/{cluster}/gossip-key", AwsValueRules.ParameterName),
            ("its log groups", $"/consul/{cluster}/consul", AwsValueRules.LogGroupName),
        };
        foreach (var role in new[] { ConsulRole.Server, ConsulRole.Client })
        {
            derived.Add(($"its {role.Key()} security group", ClusterNames.SecurityGroupNamePrefix(cluster, role), AwsValueRules.Prefix(AwsValueRules.SecurityGroupName)));
            derived.Add(($"its {role.Key()} IAM role", ClusterNames.RoleNamePrefix(cluster, role), AwsValueRules.Prefix(AwsValueRules.IamRoleName)));
        }
        foreach (var (what, value, rule) in derived)
            if (!rule.Allows(value))
                yield return $"AWS would refuse the name {value} of {what} ({rule}); choose another cluster name.";
    }
}
