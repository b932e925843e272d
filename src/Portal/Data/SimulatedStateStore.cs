using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Provisioning.Simulation;

namespace Portal.Data;

/// <summary>The simulated cloud's resources, kept in the portal's database so they survive restarts.</summary>
internal sealed class SimulatedStateStore(IDbContextFactory<PortalDbContext> dbFactory) : ISimulatedStateStore
{
    public async Task<IReadOnlyList<SimulatedResource>> LoadAsync(string stack, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.SimulatedResources.AsNoTracking().Where(r => r.Stack == stack).ToListAsync(cancellationToken);
        return rows.Select(r => new SimulatedResource(r.Name, r.Type, r.ResourceId, JsonNode.Parse(r.OutputsJson)!.AsObject(), r.CreatedAt)).ToList();
    }

    private static readonly DateTimeOffsetToBinaryConverter TimeConverter = new();

    public async Task<bool> AddAsync(string stack, SimulatedResource resource, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // A second copy is the expected answer when an interrupted attempt created the resource first (AWS's
        // AlreadyExists): asked with ON CONFLICT, it is a row count of 0, not a failed command in the logs.
        var createdAt = (long)TimeConverter.ConvertToProvider(resource.CreatedAt)!;
        var outputs = resource.Outputs.ToJsonString();
        var inserted = await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO "SimulatedResources" ("Stack", "Name", "Type", "ResourceId", "OutputsJson", "CreatedAt")
            VALUES ({stack}, {resource.Name}, {resource.Type}, {resource.Id}, {outputs}, {createdAt})
            ON CONFLICT ("Stack", "Name") DO NOTHING
            """, cancellationToken);
        return inserted == 1;
    }

    public async Task RemoveAsync(string stack, string name, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.SimulatedResources.Where(r => r.Stack == stack && r.Name == name).ExecuteDeleteAsync(cancellationToken);
    }

    public async Task<bool> UpdateOutputsAsync(string stack, string name, JsonObject outputs, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var json = outputs.ToJsonString();
        return await db.SimulatedResources.Where(r => r.Stack == stack && r.Name == name)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.OutputsJson, json), cancellationToken) == 1;
    }
}
