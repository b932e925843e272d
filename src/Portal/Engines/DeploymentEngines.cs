using Microsoft.Extensions.Options;
using Provisioning.Engines;

namespace Portal.Engines;

/// <summary>
/// The engines this portal can run, registered as keyed services under their <see cref="EngineNames"/>,
/// and the one new clusters get (<c>Provisioning:Engine</c>). A cluster's recorded engine name finds its engine.
/// </summary>
public sealed class DeploymentEngines(IServiceProvider services, IOptions<ProvisioningOptions> options)
{
    /// <summary>The configured engine's name: each <see cref="EngineKind"/> is its engine's name, capitalised.</summary>
    public string ConfiguredName => options.Value.Engine.ToString().ToLowerInvariant();

    public IDeploymentEngine Current => Find(ConfiguredName)
        ?? throw new InvalidOperationException($"The configured engine {options.Value.Engine} is not registered.");

    public bool IsSimulated => Current.Name == EngineNames.Simulated;

    public IDeploymentEngine? Find(string name) => services.GetKeyedService<IDeploymentEngine>(name);
}
