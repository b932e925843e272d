using TestSupport;

namespace Provisioning.Tests.Support;

/// <summary>
/// Expected outputs kept under tests/Provisioning.Tests/Golden, reviewed by hand. To accept a
/// deliberate change, run the tests once with <c>PORTAL_UPDATE_GOLDEN=true</c> and review the diff.
/// </summary>
internal static class Golden
{
    public static void AssertMatches(string fileName, string actual)
    {
        var path = Path.Combine(SharedData.RepositoryRoot, "tests", "Provisioning.Tests", "Golden", fileName);
        actual = actual.ReplaceLineEndings("\n").TrimEnd() + "\n";
        if (string.Equals(Environment.GetEnvironmentVariable("PORTAL_UPDATE_GOLDEN"), "true", StringComparison.OrdinalIgnoreCase))
            File.WriteAllText(path, actual);
        Assert.True(File.Exists(path), $"Golden file {path} is missing; create it with PORTAL_UPDATE_GOLDEN=true and review it.");
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), actual);
    }
}
