using Provisioning.Clusters;

namespace Portal.Clusters;

/// <summary>The body of <c>POST /api/v1/clusters</c> and the model of the create form.</summary>
public sealed class CreateClusterRequest : ClusterSpecInput
{
    /// <summary>The owning team (a DNS-style slug); the portal's default team when omitted.</summary>
    public string? Team { get; set; }

    /// <summary>Fault injection; accepted only when the simulated engine is configured.</summary>
    public SimulationRequest? Simulation { get; set; }
}

/// <summary>Makes a simulated deployment fail, to show how failure, retry and a degraded Consul look.</summary>
public sealed class SimulationRequest
{
    /// <summary>The logical name of the plan resource whose create fails, e.g. <c>serverGroupA</c>.</summary>
    public string? FailResource { get; set; }

    /// <summary>A Consul health check that fails on every check of the cluster, so that it ends degraded naming it.</summary>
    public Provisioning.Engines.SimulatedHealthFault? FailCheck { get; set; }

    /// <summary>The n-th node (1 = the first) a rolling upgrade replaces never becomes healthy, so the rollout stops there.</summary>
    public int? FailReplacement { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty => string.IsNullOrEmpty(FailResource) && FailCheck is null && FailReplacement is null;
}
