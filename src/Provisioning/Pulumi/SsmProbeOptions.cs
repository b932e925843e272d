namespace Provisioning.Pulumi;

/// <summary>Bound from <c>Provisioning:Pulumi:Ssm</c>: how the Pulumi engine asks Consul through Systems Manager Run Command.</summary>
public sealed class SsmProbeOptions
{
    public const string Section = "Provisioning:Pulumi:Ssm";

    /// <summary>SendCommand's TimeoutSeconds must lie in this range.</summary>
    public static readonly TimeSpan MinimumCommandTimeout = TimeSpan.FromSeconds(30), MaximumCommandTimeout = TimeSpan.FromHours(48);

    /// <summary>Overrides the regional Systems Manager endpoint (a VPC endpoint, or a stand-in); empty uses the cluster's region.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>How long one server may take to deliver and run the check before the next server is tried.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the command's invocation is polled.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    public IEnumerable<string> Problems()
    {
        if (!string.IsNullOrEmpty(ServiceUrl) &&
            !(Uri.TryCreate(ServiceUrl, UriKind.Absolute, out var url) && url.Scheme is "https" or "http"))
            yield return $"{Section}:ServiceUrl '{ServiceUrl}' is not an http(s) URL.";
        if (CommandTimeout < MinimumCommandTimeout || CommandTimeout > MaximumCommandTimeout || CommandTimeout.Ticks % TimeSpan.TicksPerSecond != 0)
            yield return $"{Section}:CommandTimeout must be whole seconds between {MinimumCommandTimeout:c} and {MaximumCommandTimeout:c} (it is {CommandTimeout:c}): " +
                         "Systems Manager accepts no other command timeout.";
        if (PollInterval <= TimeSpan.Zero || PollInterval >= CommandTimeout)
            yield return $"{Section}:PollInterval must be positive and shorter than {Section}:CommandTimeout (it is {PollInterval:c}).";
    }
}
