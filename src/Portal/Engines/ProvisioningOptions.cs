using Microsoft.Extensions.Options;
using Provisioning.Clusters;
using Provisioning.Simulation;

namespace Portal.Engines;

public enum EngineKind { Simulated, Pulumi }

/// <summary>Bound from <c>Provisioning</c>: which engine deploys, and what requesters may choose.</summary>
public sealed class ProvisioningOptions
{
    public EngineKind Engine { get; set; } = EngineKind.Simulated;
    public SimulatedEngineOptions Simulated { get; set; } = new();
    public ProvisioningCatalog Catalog { get; set; } = new();
}

internal sealed class ProvisioningOptionsValidator : IValidateOptions<ProvisioningOptions>
{
    public ValidateOptionsResult Validate(string? name, ProvisioningOptions options)
    {
        var problems = options.Catalog.Problems().ToList();
        if (options.Simulated.TimeScale is < 0 or > 10) problems.Add("Provisioning:Simulated:TimeScale must be between 0 and 10.");
        if (options.Simulated.Parallelism < 1) problems.Add("Provisioning:Simulated:Parallelism must be at least 1.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
