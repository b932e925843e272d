using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Portal.Backup;
using Portal.Auditing;
using Portal.Data;
using Portal.Identity;

namespace Portal.Admin;

/// <summary><c>/api/v1/admin</c>: operator actions, for portal admins only.</summary>
public static class AdminEndpoints
{
    public static RouteGroupBuilder MapAdminEndpoints(this RouteGroupBuilder api)
    {
        var admin = api.MapGroup("/admin").WithTags("Admin").RequireAuthorization(Identity.Policies.Admin);
        admin.MapPost("/backup", BackupAsync).WithName("BackupDatabase")
            .WithSummary("Write a consistent backup of the database and the Data Protection keys to the backup folder");
        return api;
    }

    private static async Task<Ok<BackupView>> BackupAsync(HttpContext http, PortalDbContext db, AuditLog audit,
        PortalDataLocation location, IOptions<BackupOptions> options, IHostEnvironment environment, TimeProvider time, CancellationToken cancellationToken)
    {
        var directory = options.Value.Resolve(environment.ContentRootPath, location.DatabasePath);
        var file = $"portal-{time.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..6]}.zip";
        var path = Path.Combine(directory, file);
        await PortalBackup.WriteAsync(location, path, cancellationToken);
        await audit.WriteAsync(db, (await http.CallerAsync()).Actor, new AuditRecord("admin.backup", "backup", file), cancellationToken);
        return TypedResults.Ok(new BackupView(file, new FileInfo(path).Length));
    }
}

/// <summary>The backup's file name in the backup folder (<c>Backup:Directory</c>) and its size.</summary>
public sealed record BackupView(string File, long Bytes);
