using TestSupport;

namespace Provisioning.Tests.Support;

/// <summary>Lints a bash script the portal renders. Severity "style" reports every default check, down to the least serious.</summary>
internal static class Shellcheck
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string script)
    {
        var shellcheck = ExternalTool.Require("shellcheck");
        var path = Path.Combine(Path.GetTempPath(), $"portal-script-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(path, script, TestContext.Current.CancellationToken);
        try
        {
            return await ExternalTool.RunAsync(shellcheck, ["--shell=bash", "--severity=style", "--format=gcc", path], TestContext.Current.CancellationToken);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
