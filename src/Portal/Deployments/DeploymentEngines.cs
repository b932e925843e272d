using Provisioning.Engines;

namespace Portal.Deployments;

/// <summary>The engines this portal can run, and the one new clusters get (<c>Provisioning:Engine</c>).</summary>
public sealed class DeploymentEngines(IEnumerable<IDeploymentEngine> engines, Microsoft.Extensions.Options.IOptions<ProvisioningOptions> options)
{
    private readonly IReadOnlyList<IDeploymentEngine> _engines = engines.ToList();

    public IDeploymentEngine Current => Find(options.Value.Engine.ToString().ToLowerInvariant())
        ?? throw new InvalidOperationException($"The configured engine {options.Value.Engine} is not registered.");

    public bool IsSimulated => Current.Name == "simulated";

    public IDeploymentEngine? Find(string name) => _engines.FirstOrDefault(e => e.Name == name);
}
