using Microsoft.AspNetCore.Identity;
using Portal.Auditing;
using Portal.Data;

namespace Portal.Identity;

/// <summary>The one-time setup link's work: the first admin account, and its entry in the audit trail.</summary>
public sealed class FirstAdminSetup(UserManager<PortalUser> users, SetupCode code, PortalDbContext db, AuditLog audit, TokenPrincipalCache tokens)
{
    /// <summary>Whether <paramref name="presented"/> is the setup code and it has not been used yet.</summary>
    public bool IsValid(string? presented) => !code.Used && code.Value == presented;

    /// <summary>Creates the admin; throws <see cref="InvalidOperationException"/> with a message for the form when Identity refuses.</summary>
    public async Task CreateAdminAsync(string email, string password)
    {
        var admin = await IdentityBootstrapper.CreateUserAsync(users, email, password, admin: true);
        code.Used = true;
        // The email may be an existing account's, with tokens: they gain the admin scope now, not when their entries go stale.
        tokens.ForgetUser(admin.Id);
        await audit.WriteAsync(db, AuditActor.System, new AuditRecord("user.setup", "user", admin.Email));
    }
}
