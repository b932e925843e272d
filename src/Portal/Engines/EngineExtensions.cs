using Microsoft.Extensions.Options;
using Portal.Data;
using Provisioning.Engines;
using Provisioning.Pulumi;
using Provisioning.Simulation;

namespace Portal.Engines;

public static class EngineExtensions
{
    /// <summary>The engines this portal can run, the secrets they are given, and the one new clusters get.</summary>
    public static IHostApplicationBuilder AddEngines(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ProvisioningOptions>().Bind(builder.Configuration.GetSection("Provisioning")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProvisioningOptions>, ProvisioningOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ClusterSecretStore>();

        services.AddSingleton<ISimulatedStateStore, SimulatedStateStore>();
        // Keyed by name: clusters record the engine that deployed them, and DeploymentEngines finds it by that name.
        services.AddKeyedSingleton<IDeploymentEngine>(EngineNames.Simulated, (sp, _) => new SimulatedEngine(
            sp.GetRequiredService<ISimulatedStateStore>(),
            sp.GetRequiredService<IOptions<ProvisioningOptions>>().Value.Simulated,
            sp.GetRequiredService<TimeProvider>()));
        if (builder.Configuration.GetValue<EngineKind>("Provisioning:Engine") == EngineKind.Pulumi) builder.AddPulumiEngine();
        services.AddSingleton<DeploymentEngines>();
        return builder;
    }

    /// <summary>The production engine; its state, work folders and plugins default to folders beside the database.</summary>
    private static void AddPulumiEngine(this IHostApplicationBuilder builder)
    {
        var dataDirectory = DataExtensions.DataDirectory(builder);
        builder.Services.AddOptions<PulumiOptions>().Bind(builder.Configuration.GetSection(PulumiOptions.Section))
            .PostConfigure(o =>
            {
                if (o.BackendUrl == "") o.BackendUrl = new Uri(Path.Combine(dataDirectory, "pulumi-state") + "/").AbsoluteUri;
                if (o.WorkRoot == "") o.WorkRoot = Path.Combine(dataDirectory, "pulumi-work");
                if (o.Home == "") o.Home = Path.Combine(dataDirectory, "pulumi-home");
            })
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<PulumiOptions>, PulumiOptionsValidator>();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<PulumiOptions>>().Value);
        builder.Services.AddSingleton<PulumiCli>();
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<PulumiOptions>();
            return new SsmConsulProbe(options.Ssm, options.AwsProfile, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SsmConsulProbe>>());
        });
        builder.Services.AddSingleton<PulumiEngine>(); // one per process: it serialises operations per stack
        builder.Services.AddKeyedSingleton<IDeploymentEngine>(EngineNames.Pulumi, (sp, _) => sp.GetRequiredService<PulumiEngine>());
    }

    /// <summary>Stops startup with one clear message when the configured engine cannot run.</summary>
    public static async Task CheckDeploymentEngineAsync(this IServiceProvider services)
    {
        if (services.GetService<PulumiCli>() is not { } cli) return;
        var check = await cli.CheckAsync();
        if (!check.Ok)
            throw new InvalidOperationException($"Provisioning:Engine is Pulumi, but the Pulumi CLI cannot be used: {check.Problem}");
        services.GetRequiredService<ILoggerFactory>().CreateLogger("Portal.Engines").LogInformation("Pulumi CLI {Version} found", check.Version);
    }
}

/// <summary>Startup stops with every problem of the Pulumi settings spelled out, not a generic "invalid".</summary>
internal sealed class PulumiOptionsValidator : IValidateOptions<PulumiOptions>
{
    public ValidateOptionsResult Validate(string? name, PulumiOptions options)
    {
        var problems = options.Problems().ToList();
        return problems.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Provisioning:Engine is Pulumi, but its settings are incomplete: {string.Join(" ", problems)}");
    }
}
