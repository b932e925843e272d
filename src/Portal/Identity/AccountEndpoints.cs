using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Portal.Auditing;
using Portal.Data;

namespace Portal.Identity;

public static class AccountEndpoints
{
    /// <summary>Sign-out and external sign-in are plain form posts: cookies change only in HTTP responses, never in a circuit.</summary>
    public static WebApplication MapAccountEndpoints(this WebApplication app)
    {
        var account = app.MapGroup("/account").ExcludeFromDescription();
        // The form field makes the framework validate the antiforgery token of this post.
        account.MapPost("/logout", async (HttpContext http, SignInManager<PortalUser> signIn, PortalDbContext db, AuditLog audit, [FromForm] string? returnUrl) =>
        {
            if (await Caller.FromAsync(http, db) is { } caller)
                await audit.WriteAsync(db, caller.Actor, new AuditRecord("signout", "user", caller.Name));
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("/account/login");
        }).RequireAuthorization();
        account.MapOidcEndpoints().AllowAnonymous();
        return app;
    }
}
