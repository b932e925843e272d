namespace TestSupport;

/// <summary>
/// Reference data from public projects lives in <c>../shared/data</c> beside the repository and is
/// read in place. Locally a test without it is skipped; in CI (<c>CI=true</c>) it fails.
/// </summary>
public static class SharedData
{
    public static string RepositoryRoot => Repository.Root;

    public static string Path(params string[] parts)
    {
        var path = System.IO.Path.Combine([RepositoryRoot, "..", "shared", "data", .. parts]);
        if (File.Exists(path) || Directory.Exists(path)) return System.IO.Path.GetFullPath(path);
        var message = $"Reference data '{string.Join('/', parts)}' is missing: expected at {System.IO.Path.GetFullPath(path)}.";
        if (IsCi) Assert.Fail(message);
        Assert.Skip(message);
        return path;
    }

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}
