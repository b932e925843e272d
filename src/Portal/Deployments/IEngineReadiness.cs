namespace Portal.Deployments;

/// <summary>
/// Whether an engine can deploy right now, asked by <c>/health/ready</c> for the configured engine
/// (<c>Provisioning:Engine</c>). Each engine registers one next to its <c>IDeploymentEngine</c>:
/// <c>services.AddSingleton&lt;IEngineReadiness, PulumiReadiness&gt;()</c>, whose check finds the
/// CLI and its version. Checks run on every probe: cache anything that spawns a process.
/// </summary>
public interface IEngineReadiness
{
    /// <summary>The engine this answers for, as its <c>IDeploymentEngine.Name</c> ("simulated", "pulumi").</summary>
    string Engine { get; }

    /// <summary>Null when the engine is usable; otherwise what is wrong, in words an operator can act on.</summary>
    Task<string?> ProblemAsync(CancellationToken cancellationToken);
}

/// <summary>The simulated engine needs nothing outside the process: it is always ready.</summary>
internal sealed class SimulatedEngineReadiness : IEngineReadiness
{
    public string Engine => "simulated";

    public Task<string?> ProblemAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);
}
