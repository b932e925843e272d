using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Portal.Data;
using Provisioning.Clusters;
using Provisioning.Engines;
using TestSupport;

namespace Portal.Tests.Data;

/// <summary>A database written before the typed columns reads unchanged, and keeps its JSON format when written again.</summary>
public sealed class TypedColumnMigrationTests : IDisposable
{
    private const string PreviousMigration = "20261202020853_ConsulHealth";
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"portal-typed-{Guid.NewGuid():N}.db");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Migrate_ClusterStoredByThePreviousSchema_ReadsTypedValuesAndBackfillsVpcCidr()
    {
        var spec = ClusterSpecValidator.Validate(new ClusterSpecInput { Name = "legacy", VpcCidr = "10.42.0.0/16" }, ShippedCatalog.Value, []).Spec!;
        var specJson = JsonSerializer.Serialize(spec, PortalJson.Options);
        var simulationJson = JsonSerializer.Serialize(new SimulatedFaults("server-a-0", SimulatedHealthFault.NoLeader), PortalJson.Options);
        var id = Guid.NewGuid();
        await using (var db = Open())
        {
            await db.GetService<IMigrator>().MigrateAsync(PreviousMigration, Ct);
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO "Clusters" ("Id", "Name", "Team", "SpecJson", "Status", "Engine", "ProtectedSecrets", "SimulationJson",
                    "CreatedAt", "UpdatedAt", "Health", "FailingChecksJson")
                VALUES ({id}, 'legacy', 'team-a', {specJson}, 'Ready', 'simulated', '-', {simulationJson}, 0, 0, 'Degraded', '["consul-leader"]')
                """, Ct);
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO "Operations" ("Id", "ClusterId", "Kind", "State", "SpecJson", "Attempt", "FailedResourcesJson",
                    "ProgressTotal", "ProgressDone", "ProgressFailed", "LastSequence", "CreatedAt")
                VALUES ({Guid.NewGuid()}, {id}, 'Create', 'Failed', {specJson}, 1, '["server-a-0"]', 1, 0, 1, 0, 0)
                """, Ct);
        }

        await using (var db = Open())
        {
            await db.Database.MigrateAsync(Ct);
            var cluster = await db.Clusters.Include(c => c.Operations).SingleAsync(Ct);
            Assert.Equal("10.42.0.0/16", cluster.VpcCidr);
            Assert.Equal(specJson, JsonSerializer.Serialize(cluster.Spec, PortalJson.Options));
            Assert.Equal(new SimulatedFaults("server-a-0", SimulatedHealthFault.NoLeader), cluster.Simulation);
            Assert.Equal(["consul-leader"], cluster.FailingChecks!);
            var operation = Assert.Single(cluster.Operations);
            Assert.Equal(specJson, JsonSerializer.Serialize(operation.Spec, PortalJson.Options));
            Assert.Equal(["server-a-0"], operation.FailedResources!);
            Assert.Equal(1, await db.Clusters.CountAsync(c => c.VpcCidr == "10.42.0.0/16", Ct));

            cluster.Spec = cluster.Spec with { ClientCount = 7 };
            cluster.FailingChecks = ["consul-leader", "consul-dns"];
            await db.SaveChangesAsync(Ct);
        }

        await using (var db = Open())
        {
            var stored = await db.Database.SqlQuery<string>($"""SELECT "SpecJson" || ' ' || "FailingChecksJson" AS "Value" FROM "Clusters" """).SingleAsync(Ct);
            Assert.Equal(JsonSerializer.Serialize(spec with { ClientCount = 7 }, PortalJson.Options) + """ ["consul-leader","consul-dns"]""", stored);
        }
    }

    [Fact]
    public async Task Migrate_ClusterWithTimeToLiveBeforeExpiresAtExisted_ExpiresItsHoursAfterItsCreation()
    {
        var spec = ClusterSpecValidator.Validate(new ClusterSpecInput { Name = "brief", TimeToLiveHours = 5 }, ShippedCatalog.Value, []).Spec!;
        var createdAt = new DateTimeOffset(2026, 11, 30, 9, 15, 0, TimeSpan.Zero);
        var stored = (long)new Microsoft.EntityFrameworkCore.Storage.ValueConversion.DateTimeOffsetToBinaryConverter().ConvertToProvider(createdAt)!;
        await using (var db = Open())
        {
            await db.GetService<IMigrator>().MigrateAsync("20261202032145_VpcCidrColumn", Ct);
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO "Clusters" ("Id", "Name", "Team", "SpecJson", "VpcCidr", "Status", "Engine", "ProtectedSecrets", "CreatedAt", "UpdatedAt", "Health")
                VALUES ({Guid.NewGuid()}, 'brief', 'team-a', {JsonSerializer.Serialize(spec, PortalJson.Options)}, {spec.VpcCidr}, 'Ready', 'simulated', '-', {stored}, {stored}, 'Healthy')
                """, Ct);
        }

        await using (var db = Open())
        {
            await db.Database.MigrateAsync(Ct);
            Assert.Equal(createdAt.AddHours(5), (await db.Clusters.SingleAsync(Ct)).ExpiresAt);
        }
    }

    private PortalDbContext Open() =>
        new(new DbContextOptionsBuilder<PortalDbContext>().UseSqlite($"Data Source={_path};Pooling=False").Options);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(_path);
    }
}
