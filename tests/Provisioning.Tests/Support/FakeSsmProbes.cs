using Amazon.Runtime;
using Provisioning.Health;
using Provisioning.Pulumi;

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
        PollInterval = TimeSpan.FromSeconds(1),
    };

    /// <summary>Ten times faster than real time: a server gets 3 s, polled every 0.1 s, with room for a loaded machine's latency.</summary>
    public static SsmConsulProbe Probe(Uri url, LogCapture logs, TimeProvider? time = null) =>
        new(Options(url), awsProfile: null, time ?? new AcceleratedTime(10), logs.For<SsmConsulProbe>(), Credentials);
}
