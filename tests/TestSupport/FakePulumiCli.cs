namespace TestSupport;

/// <summary>
/// The fake <c>pulumi</c> executable (tests/FakePulumi). A test project that needs it builds it
/// first through a <c>ProjectReference</c> with <c>ReferenceOutputAssembly="false"</c>; this finds
/// the build of the same configuration and target framework as the running test assembly.
/// </summary>
public static class FakePulumiCli
{
    /// <summary>The executable's full path; throws when the fake has not been built.</summary>
    public static string Path { get; } = Find();

    /// <summary>What each engine step (create, delete, refresh) of the fake takes, as its <c>FAKE_PULUMI_STEP_DELAY_MS</c> knob.</summary>
    public const string StepDelayVariable = "FAKE_PULUMI_STEP_DELAY_MS";

    /// <summary>What the fake's <c>version</c> prints.</summary>
    public const string VersionVariable = "FAKE_PULUMI_VERSION";

    private static string Find()
    {
        // The test assembly runs from .../bin/<Configuration>/<tfm>/; the fake is built to the same pair.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        var configuration = output.Parent!.Name;
        var path = System.IO.Path.Combine(SharedData.RepositoryRoot, "tests", "FakePulumi", "bin", configuration, output.Name, "pulumi");
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"The fake pulumi CLI is not built at {path}: reference tests/FakePulumi from the test project.");
    }
}
