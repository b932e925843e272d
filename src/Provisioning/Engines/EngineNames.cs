namespace Provisioning.Engines;

/// <summary>
/// The engines' names: each engine's <see cref="IDeploymentEngine.Name"/>, the key it is registered under,
/// and what a cluster records as the engine that deployed it (so a name never changes once used).
/// </summary>
public static class EngineNames
{
    public const string Simulated = "simulated";
    public const string Pulumi = "pulumi";
}
