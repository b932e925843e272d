using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Api;
using Portal.Identity;

namespace Portal.Backup;

/// <summary><c>/api/v1/admin</c>: operator actions, for portal admins only (a token needs the admin scope).</summary>
public static class BackupEndpoints
{
    public static RouteGroupBuilder MapBackup(this RouteGroupBuilder api)
    {
        var admin = api.MapGroup("/admin").WithTags("Admin").RequireAuthorization(Policies.Admin);
        admin.MapPost("/backup", BackupAsync).WithName("BackupDatabase")
            .WithSummary("Write a consistent backup of the database and the encrypted Data Protection keys to the backup folder; the oldest beyond Backup:KeepLast are deleted")
            .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    private static async Task<Results<Ok<BackupView>, ProblemHttpResult>> BackupAsync(Caller caller, BackupService backups, CancellationToken cancellationToken)
    {
        var result = await backups.TakeAsync(caller.Actor, target: null, cancellationToken);
        return result.Status == CommandStatus.Ok ? TypedResults.Ok(result.Value!) : ApiResults.Conflict(result);
    }
}
