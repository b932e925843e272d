using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.EntityFrameworkCore;
using Portal.Auditing;
using Portal.Data;

namespace Portal.Identity;

/// <summary>Records refused attempts to change something through the API, then answers as usual.</summary>
internal sealed class AuditedAuthorizationResultHandler(IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext http, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (!result.Succeeded && http.Request.Path.StartsWithSegments("/api") && !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
        {
            await using var db = await dbFactory.CreateDbContextAsync(http.RequestAborted);
            var caller = await Caller.FromAsync(http, db);
            var client = ClientInfo.From(http);
            var actor = caller?.Actor ?? new AuditActor("anonymous", null, null, null, client.Ip, client.UserAgent);
            await audit.WriteAsync(db, actor, new AuditRecord("authorization.denied", "endpoint", $"{http.Request.Method} {http.Request.Path}",
                Outcome: "denied", Details: new { reason = result.Challenged ? "unauthenticated" : "forbidden" }), http.RequestAborted);
        }
        await _default.HandleAsync(next, http, policy, result);
    }
}
