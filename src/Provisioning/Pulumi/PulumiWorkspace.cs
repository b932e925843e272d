using Provisioning.Consul;
using Provisioning.Security;
using Provisioning.Topology;

namespace Provisioning.Pulumi;

/// <summary>
/// One stack's work directory (WorkRoot/&lt;stack&gt;): its program and stack config. Never shared
/// between stacks: parallel <c>stack select</c>s corrupt a shared workspace (pulumi/pulumi#8186).
/// </summary>
internal sealed partial class PulumiWorkspace(PulumiCli cli, string stack)
{
    public string Stack => stack;

    public string Directory { get; } = Path.Combine(Path.GetFullPath(cli.Options.WorkRoot), stack);

    /// <summary>Writes the program, selects the stack (creating it when missing) and sets its config.</summary>
    public async Task<PulumiFailure> PrepareAsync(TopologyPlan plan, ClusterSecrets secrets, CancellationToken cancellationToken)
    {
        // The name becomes a folder: nothing that could step outside WorkRoot.
        if (!StackName().IsMatch(stack))
            return new(PulumiFailureKind.Other, $"'{stack}' is not a usable stack name: letters, digits, '-', '_' and '.' only.", []);
        System.IO.Directory.CreateDirectory(Directory);
        if (cli.Options.BackendFolder() is { } backend) System.IO.Directory.CreateDirectory(backend);
        await File.WriteAllTextAsync(Path.Combine(Directory, "Pulumi.yaml"), PulumiProgramWriter.Write(plan), CancellationToken.None);

        var select = await cli.RunAsync(Directory, stack, ["stack", "select"], null, cancellationToken);
        var failure = PulumiFailure.Classify("stack select", select, null);
        if (failure.Kind == PulumiFailureKind.StackNotFound)
        {
            var init = await cli.RunAsync(Directory, stack, ["stack", "init"], null, cancellationToken);
            failure = PulumiFailure.Classify("stack init", init, null);
        }
        if (failure.Kind != PulumiFailureKind.None) return failure;

        failure = PulumiFailure.Classify("config set",
            await cli.RunAsync(Directory, stack, ["config", "set", "aws:region", "--plaintext"], plan.Spec.Region, cancellationToken), null);
        // One key at a time, as the Automation API does; RunAsync never logs the value.
        foreach (var parameter in ClusterParameters.All)
        {
            if (failure.Kind != PulumiFailureKind.None) return failure;
            failure = PulumiFailure.Classify("config set", await cli.RunAsync(Directory, stack,
                ["config", "set", parameter.ConfigKey, parameter.Secure ? "--secret" : "--plaintext"],
                secrets.ConfigValue(parameter.ConfigKey), cancellationToken), null);
        }
        return failure;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?!\.{1,2}$)[A-Za-z0-9_.\-]{1,100}$")]
    private static partial System.Text.RegularExpressions.Regex StackName();
}
