using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Portal.Backup;
using Portal.Data;

namespace Portal.Admin;

/// <summary>
/// <c>/api/v1/admin</c>: operator actions. Every endpoint here is for administrators only; protect
/// the whole group once the "Admin" policy exists: <c>admin.RequireAuthorization("Admin")</c>.
/// </summary>
public static class AdminEndpoints
{
    public static RouteGroupBuilder MapAdminEndpoints(this RouteGroupBuilder api)
    {
        var admin = api.MapGroup("/admin").WithTags("Admin");
        admin.MapPost("/backup", BackupAsync).WithName("BackupDatabase")
            .WithSummary("Write a consistent backup of the database and the Data Protection keys to the backup folder");
        return api;
    }

    private static async Task<Ok<BackupView>> BackupAsync(
        PortalDataLocation location, IOptions<BackupOptions> options, IHostEnvironment environment, TimeProvider time, CancellationToken cancellationToken)
    {
        var directory = options.Value.Resolve(environment.ContentRootPath, location.DatabasePath);
        var file = $"portal-{time.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..6]}.zip";
        var path = Path.Combine(directory, file);
        await PortalBackup.WriteAsync(location, path, cancellationToken);
        return TypedResults.Ok(new BackupView(file, new FileInfo(path).Length));
    }
}

/// <summary>The backup's file name in the backup folder (<c>Backup:Directory</c>) and its size.</summary>
public sealed record BackupView(string File, long Bytes);
