using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Portal;
using Portal.Data;
using Portal.Deployments;
using Portal.Observability;
using Provisioning.Clusters;
using Provisioning.Engines;
using Provisioning.Topology;

namespace Portal.Bench;

/// <summary>
/// What storing events in batches buys over one transaction per event: whole create operations'
/// events (every resource of the default plan started and succeeded) written through the portal's
/// own <see cref="OperationEventSink"/> into a real SQLite file in WAL mode, with the portal's
/// pragmas, by several operations at once as when the worker runs them side by side.
/// </summary>
[Config(typeof(Config))]
public class EventAppendBenchmarks
{
    private const string LeaseToken = "bench";

    private string _directory = null!;
    private ServiceProvider _services = null!;
    private IDbContextFactory<PortalDbContext> _dbFactory = null!;
    private OperationBroadcaster _broadcaster = null!;
    private PortalTelemetry _telemetry = null!;
    private IReadOnlyList<EngineEvent> _events = null!;
    private ClusterSpec _spec = null!;
    private List<Operation> _operations = [];

    /// <summary>Operations writing at the same time.</summary>
    [Params(1, 32)]
    public int Operations { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("portal-bench-").FullName;
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Portal"] = $"Data Source={Path.Combine(_directory, "portal.db")}",
        });
        builder.AddPortalData();
        builder.Services.AddMetrics();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<OperationBroadcaster>();
        builder.Services.AddSingleton<QueueStatistics>();
        builder.Services.AddSingleton<PortalTelemetry>();
        _services = (ServiceProvider)builder.Build().Services;
        _services.MigratePortalDatabaseAsync().GetAwaiter().GetResult();
        _dbFactory = _services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        _broadcaster = _services.GetRequiredService<OperationBroadcaster>();
        _telemetry = _services.GetRequiredService<PortalTelemetry>();

        _spec = ClusterSpecValidator.Validate(new ClusterSpecInput { Name = "bench" }, TestSupport.ShippedCatalog.Value, []).Spec!;
        _events = TopologyPlanBuilder.Build(_spec).Resources
            .SelectMany(r => new[]
            {
                EngineEvent.Started(r.Name, r.Type, "create", $"Creating {r.Name}"),
                EngineEvent.Succeeded(r.Name, r.Type, "create", $"Created {r.Name}"),
            })
            .ToList();
        Console.WriteLine($"// {_events.Count} events per operation: {_events.Count / 2} resources, each started and succeeded");
    }

    /// <summary>Fresh operations each time, so every run appends to histories of the same length.</summary>
    [IterationSetup]
    public void CreateOperations()
    {
        using var db = _dbFactory.CreateDbContext();
        _operations = Enumerable.Range(0, Operations).Select(_ =>
        {
            var cluster = new Cluster
            {
                Name = $"bench-{Guid.NewGuid():N}"[..20], Team = "bench", Spec = _spec, Engine = "simulated", ProtectedSecrets = "-",
            };
            return new Operation { Cluster = cluster, Kind = OperationKind.Create, State = OperationState.Running, Spec = _spec, LeaseOwner = LeaseToken };
        }).ToList();
        db.Operations.AddRange(_operations);
        db.SaveChanges();
    }

    [Benchmark(Baseline = true, Description = "one transaction per event")]
    public Task OneTransactionPerEvent() => WriteAllAsync(maxBatch: 1);

    [Benchmark(Description = "batched, as the worker runs")]
    public Task Batched() => WriteAllAsync(OperationEventSink.DefaultMaxBatch);

    private Task WriteAllAsync(int maxBatch) => Task.WhenAll(_operations.Select(async operation =>
    {
        var sink = new OperationEventSink(
            operation, LeaseToken, new ResourceProgress([], []), [], _dbFactory, _broadcaster, _telemetry,
            TimeProvider.System, NullLogger.Instance, maxBatch);
        // As fast as an engine can emit: the simulated engine at TimeScale 0, or a replayed Pulumi event log.
        foreach (var e in _events) await sink.EmitAsync(e);
        await sink.CompleteAsync();
    }));

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // In process: no generated project to build and restore, and one run stays within minutes.
            AddJob(Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithInvocationCount(1).WithUnrollFactor(1) // each invocation needs fresh operations
                .WithWarmupCount(3).WithIterationCount(15));
        }
    }
}
