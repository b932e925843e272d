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

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty => ClientCount is null && ConsulVersion is null;
}
