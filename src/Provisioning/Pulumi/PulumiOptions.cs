namespace Provisioning.Pulumi;

/// <summary>Bound from <c>Provisioning:Pulumi</c>.</summary>
public sealed class PulumiOptions
{
    public const string Section = "Provisioning:Pulumi";

    /// <summary>The <c>pulumi</c> executable: a name looked up on PATH or a full path.</summary>
    public string CliPath { get; set; } = "pulumi";

    /// <summary>
    /// Where stack state lives: <c>file:///…</c> (the host defaults it to a folder under its data
    /// directory) or <c>s3://bucket</c>.
    /// </summary>
    public string BackendUrl { get; set; } = "";

    /// <summary>Encrypts the stacks' secrets (passphrase secrets provider). Never logged.</summary>
    public string Passphrase { get; set; } = "";

    /// <summary>PULUMI_HOME: plugins and credentials. Empty keeps the CLI's default (~/.pulumi).</summary>
    public string Home { get; set; } = "";

    /// <summary>One work directory per stack is created under this folder.</summary>
    public string WorkRoot { get; set; } = "";

    /// <summary><c>up --parallel</c>; 0 keeps the CLI's default.</summary>
    public int Parallelism { get; set; }

    /// <summary>How long a cancelled CLI gets after SIGINT to save its checkpoint before it is killed.</summary>
    public TimeSpan CancelTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>AWS_PROFILE for the AWS provider (and an S3 backend); empty uses the ambient credentials.</summary>
    public string? AwsProfile { get; set; }

    /// <summary>AWS_REGION for an S3 backend; the stacks' <c>aws:region</c> comes from each cluster's spec.</summary>
    public string? AwsRegion { get; set; }

    /// <summary>Pre-install the AWS plugin at startup and turn off the CLI's own plugin downloads.</summary>
    public bool InstallPlugins { get; set; }

    public string AwsPluginVersion { get; set; } = "7.0.0";

    public string MinimumVersion { get; set; } = "3.1.0";

    /// <summary>Extra environment variables for every CLI run (e.g. proxies, AWS_* settings).</summary>
    public Dictionary<string, string> Environment { get; set; } = [];

    /// <summary><c>Provisioning:Pulumi:Ssm</c>: the Consul health check through Systems Manager Run Command.</summary>
    public SsmProbeOptions Ssm { get; set; } = new();

    /// <summary>What is wrong with these settings, or nothing.</summary>
    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(CliPath))
            yield return $"{Section}:CliPath is empty: set it to 'pulumi' or the CLI's full path.";
        if (!BackendUrl.StartsWith("file://", StringComparison.Ordinal) && !BackendUrl.StartsWith("s3://", StringComparison.Ordinal))
            yield return $"{Section}:BackendUrl must be a file:// folder or an s3:// bucket (it is '{BackendUrl}').";
        if (string.IsNullOrEmpty(Passphrase))
            // Operators set it from a secret store as an environment variable: name that form too.
            yield return $"{Section}:Passphrase is empty (environment variable {Section.Replace(":", "__", StringComparison.Ordinal)}__Passphrase): " +
                         "the stacks' secrets (the gossip key) cannot be encrypted without it. Set a long random value and keep it: the stacks cannot be read without it.";
        if (string.IsNullOrWhiteSpace(WorkRoot))
            yield return $"{Section}:WorkRoot is empty: set a folder for the stacks' work directories.";
        if (CancelTimeout <= TimeSpan.Zero)
            yield return $"{Section}:CancelTimeout must be positive.";
        if (!Version.TryParse(MinimumVersion, out _))
            yield return $"{Section}:MinimumVersion '{MinimumVersion}' is not a version.";
        foreach (var problem in Ssm.Problems()) yield return problem;
    }

    /// <summary>The local folder of a file:// backend, or null for another backend.</summary>
    public string? BackendFolder() =>
        BackendUrl.StartsWith("file://", StringComparison.Ordinal) ? new Uri(BackendUrl).LocalPath : null;
}
