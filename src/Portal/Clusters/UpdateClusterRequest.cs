namespace Portal.Clusters;

/// <summary>
/// The body of <c>PATCH /api/v1/clusters/{name}</c> (JSON merge patch) and of a preview: the fields of a
/// running cluster that can change in place. Omitted fields keep their value.
/// </summary>
public sealed class UpdateClusterRequest
{
    /// <summary>How many Consul client instances run in the client group (0 to 50).</summary>
    public int? ClientCount { get; set; }

    /// <summary>The Consul version to run; one of the portal's offered versions.</summary>
    public string? ConsulVersion { get; set; }

    /// <summary>
    /// Sets the time to live afresh: the cluster expires this many hours (1 to 720) from now. It changes no resource, so
    /// on its own it needs no operation; a preview refuses it.
    /// </summary>
    public int? TimeToLiveHours { get; set; }

    /// <summary>True when nothing of the cluster's resources would change: neither the client count nor the version is sent.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty => ClientCount is null && ConsulVersion is null;
}
