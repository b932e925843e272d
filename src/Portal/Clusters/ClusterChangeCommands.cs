using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Provisioning.Clusters;

namespace Portal.Clusters;

/// <summary>Commands that change a running cluster's spec (update) or show what a spec would change (preview).</summary>
public sealed partial class ClusterCommands
{
    /// <summary>Enqueues an update to the changed spec; the worker applies the spec to the cluster when it succeeds.</summary>
    public async Task<CommandResult<ClusterOperationView>> UpdateAsync(string name, UpdateClusterRequest change, CancellationToken cancellationToken)
    {
        if (change.IsEmpty)
            return CommandResult<ClusterOperationView>.Invalid(new Dictionary<string, string[]>
            {
                ["clientCount"] = ["Send clientCount, consulVersion or both."],
                ["consulVersion"] = ["Send clientCount, consulVersion or both."],
            });
        return await EnqueueChangeAsync(name, OperationKind.Update, change, cancellationToken);
    }

    /// <summary>Enqueues a preview of the cluster's spec, or of a change to it; nothing is changed.</summary>
    public Task<CommandResult<ClusterOperationView>> PreviewAsync(string name, UpdateClusterRequest? change, CancellationToken cancellationToken) =>
        EnqueueChangeAsync(name, OperationKind.Preview, change ?? new UpdateClusterRequest(), cancellationToken);

    private async Task<CommandResult<ClusterOperationView>> EnqueueChangeAsync(string name, OperationKind kind, UpdateClusterRequest change, CancellationToken cancellationToken)
    {
        string currentJson;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var cluster = await ClusterQueries.FindAsync(db, name, cancellationToken);
            if (cluster is null || cluster.Status == ClusterStatus.Destroyed)
                return CommandResult<ClusterOperationView>.NotFound($"No cluster named '{name}'.");
            currentJson = cluster.SpecJson;
        }
        var current = JsonSerializer.Deserialize<ClusterSpec>(currentJson, PortalJson.Options)!;
        var validation = validator.ValidateChange(current, change);
        if (validation.Spec is null) return CommandResult<ClusterOperationView>.Invalid(validation.Errors);
        return await EnqueueAsync(name, kind, cancellationToken, JsonSerializer.Serialize(validation.Spec, PortalJson.Options));
    }
}
