using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
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

    public async Task<bool> AddAsync(string stack, SimulatedResource resource, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.SimulatedResources.Add(new SimulatedResourceRow
        {
            Stack = stack,
            Name = resource.Name,
            Type = resource.Type,
            ResourceId = resource.Id,
            OutputsJson = resource.Outputs.ToJsonString(),
            CreatedAt = resource.CreatedAt,
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            return false; // the primary key refused a second copy
        }
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
