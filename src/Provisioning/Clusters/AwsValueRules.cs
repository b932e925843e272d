using System.Text.RegularExpressions;

namespace Provisioning.Clusters;

/// <summary>One of AWS's own rules for a value; the provider schema does not carry them.</summary>
/// <param name="Name">What the rule is about, e.g. "security group rule description".</param>
/// <param name="Description">The rule as AWS documents it, for messages.</param>
public sealed record AwsValueRule(string Name, string Description, Func<string, bool> Allows)
{
    public override string ToString() => $"{Name}: {Description}";
}

/// <summary>
/// AWS's rules for names, descriptions and tags (consul-topology.md, "AWS's own rules for names and
/// descriptions"), in one place: the plan is checked against them in tests for the largest inputs,
/// and the validator refuses a cluster name whose derived names would break one.
/// </summary>
public static partial class AwsValueRules
{
    /// <summary>Pulumi appends 26 characters (a timestamp and counter) to a <c>namePrefix</c>.</summary>
    public const int NamePrefixSuffixLength = 26;

    public static readonly AwsValueRule
        SecurityGroupDescription = new("security group description",
            "up to 255 characters of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$* (no apostrophe)",
            v => v.Length <= 255 && GroupDescription().IsMatch(v)),
        SecurityGroupName = new("security group name",
            "up to 255 characters, not starting with sg-",
            v => v.Length is > 0 and <= 255 && !v.StartsWith("sg-", StringComparison.OrdinalIgnoreCase) && GroupDescription().IsMatch(v)),
        IamRoleName = new("IAM role name", "up to 64 characters of letters, digits and +=,.@_-",
            v => v.Length is > 0 and <= 64 && IamName().IsMatch(v)),
        IamName128 = new("IAM instance profile or policy name", "up to 128 characters of letters, digits and +=,.@_-",
            v => v.Length is > 0 and <= 128 && IamName().IsMatch(v)),
        LaunchTemplateName = new("launch template name", "3 to 128 characters of a-z, A-Z, 0-9 and ().-/_",
            v => v.Length is >= 3 and <= 128 && TemplateName().IsMatch(v)),
        LogGroupName = new("CloudWatch log group name", "up to 512 characters of a-z, A-Z, 0-9 and .-_/#",
            v => v.Length is > 0 and <= 512 && LogName().IsMatch(v)),
        ParameterName = new("SSM parameter name", "a-z, A-Z, 0-9 and _.-/, not starting with aws or ssm (in any case), at most 1011 characters",
            v => v.Length is > 0 and <= 1011 && ParameterChars().IsMatch(v) && !ReservedParameterPrefix().IsMatch(v)),
        TagKey = new("tag key", "1 to 128 characters, not starting with aws:", v => v.Length is > 0 and <= 128 && !v.StartsWith("aws:", StringComparison.OrdinalIgnoreCase)),
        TagValue = new("tag value", "up to 256 characters", v => v.Length <= 256),
        BucketName = new("S3 bucket name",
            "3 to 63 characters of lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit, not an IP address, no '..', not starting with xn-- or ending with -s3alias",
            v => v.Length is >= 3 and <= 63 && Bucket().IsMatch(v) && !v.Contains("..", StringComparison.Ordinal)
                 && !IpAddress().IsMatch(v) && !v.StartsWith("xn--", StringComparison.Ordinal) && !v.EndsWith("-s3alias", StringComparison.Ordinal)),
        KmsAlias = new("KMS alias", "alias/ followed by a-z, A-Z, 0-9, /, _ and -, up to 256 characters, not alias/aws/",
            v => v.Length <= 256 && KmsAliasPattern().IsMatch(v) && !v.StartsWith("alias/aws/", StringComparison.Ordinal)),
        AutoScalingGroupName = new("Auto Scaling group name", "1 to 255 characters, no colon",
            v => v.Length is > 0 and <= 255 && !v.Contains(':')),
        LifecycleHookName = new("lifecycle hook name", "1 to 255 characters of A-Z, a-z, 0-9, -, _ and /",
            v => v.Length is > 0 and <= 255 && HookName().IsMatch(v));

    /// <summary>The rule of a prefix: the full name it becomes must still obey <paramref name="rule"/>.</summary>
    public static AwsValueRule Prefix(AwsValueRule rule) => new($"{rule.Name} prefix",
        $"{rule.Description}, with {NamePrefixSuffixLength} characters appended",
        v => rule.Allows(v + new string('0', NamePrefixSuffixLength)));

    [GeneratedRegex(@"^[a-zA-Z0-9. _\-:/()#,@\[\]+=&;{}!$*]*$")]
    private static partial Regex GroupDescription();

    [GeneratedRegex(@"^[\w+=,.@-]+$")]
    private static partial Regex IamName();

    [GeneratedRegex(@"^[a-zA-Z0-9().\-/_]+$")]
    private static partial Regex TemplateName();

    [GeneratedRegex(@"^[.\-_/#A-Za-z0-9]+$")]
    private static partial Regex LogName();

    [GeneratedRegex(@"^[a-zA-Z0-9_.\-/]+$")]
    private static partial Regex ParameterChars();

    [GeneratedRegex(@"^/?(aws|ssm)", RegexOptions.IgnoreCase)]
    private static partial Regex ReservedParameterPrefix();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")]
    private static partial Regex Bucket();

    [GeneratedRegex(@"^\d+\.\d+\.\d+\.\d+$")]
    private static partial Regex IpAddress();

    [GeneratedRegex(@"^alias/[a-zA-Z0-9/_-]+$")]
    private static partial Regex KmsAliasPattern();

    [GeneratedRegex(@"^[A-Za-z0-9\-_/]+$")]
    private static partial Regex HookName();
}
