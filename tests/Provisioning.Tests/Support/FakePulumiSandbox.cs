using Provisioning.Health;
using Provisioning.Pulumi;

namespace Provisioning.Tests.Support;

/// <summary>
/// A file backend and work root in a temporary folder, and options that point the engine at the
/// fake CLI (tests/FakePulumi, built with this project).
/// </summary>
public sealed class FakePulumiSandbox : IDisposable
{
    public const string Passphrase = "correct horse battery staple 7f3a";

    public string Root { get; } = Directory.CreateTempSubdirectory("portal-pulumi-tests-").FullName;
    public string Backend => Path.Combine(Root, "state");
    public LogCapture Logs { get; } = new();

    private readonly List<SsmConsulProbe> _probes = [];

    public static string CliPath => TestSupport.FakePulumiCli.Path;

    public PulumiOptions Options(IReadOnlyDictionary<string, string>? environment = null) => new()
    {
        CliPath = CliPath,
        BackendUrl = new Uri(Backend + "/").AbsoluteUri,
        Passphrase = Passphrase,
        Home = Path.Combine(Root, "home"),
        WorkRoot = Path.Combine(Root, "work"),
        CancelTimeout = TimeSpan.FromSeconds(10),
        Parallelism = 4,
        Environment = environment?.ToDictionary() ?? [],
    };

    public PulumiCli Cli(PulumiOptions options) => new(options, Logs.For<PulumiCli>());

    /// <param name="ssm">The Systems Manager stand-in the health check goes to; none by default (nothing listens there).</param>
    public PulumiEngine Engine(IReadOnlyDictionary<string, string>? environment = null, Uri? ssm = null) =>
        new(Cli(Options(environment)), Probe(ssm), TimeProvider.System, Logs.For<PulumiEngine>());

    public PulumiEngine Engine(PulumiOptions options) => new(Cli(options), Probe(null), TimeProvider.System, Logs.For<PulumiEngine>());

    private SsmConsulProbe Probe(Uri? ssm)
    {
        var probe = FakeSsmProbes.Probe(ssm ?? new Uri("http://127.0.0.1:9/"), Logs);
        _probes.Add(probe);
        return probe;
    }

    /// <summary>The stack's state file as the fake keeps it, whatever the program's project name.</summary>
    public string? StateFile(string stack) =>
        Directory.Exists(Path.Combine(Backend, ".pulumi", "stacks"))
            ? Directory.GetFiles(Path.Combine(Backend, ".pulumi", "stacks"), stack + ".json", SearchOption.AllDirectories).SingleOrDefault()
            : null;

    public string LockFolder(string project, string stack) => Path.Combine(Backend, ".pulumi", "locks", "organization", project, stack);

    public void Dispose()
    {
        foreach (var probe in _probes) probe.Dispose();
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
