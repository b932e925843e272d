using Amazon.Runtime;
using Provisioning.Health;

namespace Provisioning.Tests.Support;

/// <summary>The health probe with the real AWS SDK client, pointed at the SSM stand-in (tests/FakeSsm).</summary>
internal static class FakeSsmProbes
{
    /// <summary>Any credentials do: the stand-in only checks that requests are signed.</summary>
    public static readonly BasicAWSCredentials Credentials = new("AKIDFAKESSMEXAMPLE", "fake/secret/access/key/for/the/stand-in");

    public static SsmProbeOptions Options(Uri url) => new()
    {
        ServiceUrl = url.ToString(),
        CommandTimeout = TimeSpan.FromSeconds(30),
        PollInterval = TimeSpan.FromSeconds(2),
    };

    public static SsmConsulProbe Probe(Uri url, LogCapture logs, TimeProvider? time = null) =>
        new(Options(url), awsProfile: null, time ?? new AcceleratedTime(), logs.For<SsmConsulProbe>(), Credentials);
}
