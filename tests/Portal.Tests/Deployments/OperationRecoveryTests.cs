using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Deployments;
using TestSupport.Portal;

namespace Portal.Tests.Deployments;

/// <summary>Taking back an operation whose lease expired, while the run that lost it is still writing.</summary>
public sealed class OperationRecoveryTests : IAsyncDisposable
{
    private readonly PortalAppFactory _app = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Fact]
    public async Task Recover_StaleRunWroteAnEventAfterTheRead_RecoveredEventTakesTheNextFreeSequence()
    {
        _app.Settings["Provisioning:Simulated:TimeScale"] = "1"; // the create stays running: the test holds its row still
        var http = _app.CreateApiClient();
        var operationId = Guid.Parse((string)(await http.CreateClusterAsync(new { name = "raced" }))["operation"]!["id"]!);
        await _app.Services.GetRequiredService<DeploymentWorker>().StopAsync(Ct);
        await using var db = _app.CreateDbContext();
        var expired = DateTimeOffset.UtcNow.AddMinutes(-1);
        await db.Operations.Where(o => o.Id == operationId).ExecuteUpdateAsync(s => s
            .SetProperty(o => o.State, OperationState.Running).SetProperty(o => o.LeaseOwner, "lost-host:1/run")
            .SetProperty(o => o.LeaseExpiresAt, expired), Ct);
        var seen = await db.Operations.AsNoTracking().SingleAsync(o => o.Id == operationId, Ct);

        // The run that lost its lease does not know yet: it stores one more event between the read and the recovery.
        var next = seen.LastSequence + 1;
        db.DeploymentEvents.Add(new DeploymentEvent
        {
            OperationId = operationId, Sequence = next, Timestamp = DateTimeOffset.UtcNow, Type = "diagnostic", Message = "late", Severity = "info",
        });
        await db.Operations.Where(o => o.Id == operationId).ExecuteUpdateAsync(s => s.SetProperty(o => o.LastSequence, next), Ct);
        await db.SaveChangesAsync(Ct);

        await OperationFinisher.RecoverAsync(db, seen, cancelling: false, "recovered", DateTimeOffset.UtcNow, Ct);

        var sequences = await db.DeploymentEvents.Where(e => e.OperationId == operationId).OrderBy(e => e.Sequence).Select(e => e.Sequence).ToListAsync(Ct);
        Assert.Equal(Enumerable.Range(1, sequences.Count), sequences);
        var recovered = await db.Operations.AsNoTracking().SingleAsync(o => o.Id == operationId, Ct);
        Assert.Equal(OperationState.Queued, recovered.State);
        Assert.Equal(sequences[^1], recovered.LastSequence);
    }
}
