using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Api;
using Portal.Auditing;
using Portal.Data;

namespace Portal.Identity;

/// <summary>A one-time code that lets the first person create the first admin, when nothing else did.</summary>
public sealed class SetupCode
{
    public string Value { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    public bool Used { get; set; }
}

/// <summary>
/// Makes sure a fresh portal can be administered: the configured bootstrap admin (and token),
/// the demo accounts in Development, or else a one-time setup link in the log.
/// </summary>
internal sealed class IdentityBootstrapper(
    IServiceScopeFactory scopes, IOptions<IdentitySettings> settings, IHostEnvironment environment,
    SetupCode setupCode, AuditLog audit, TimeProvider time, ILogger<IdentityBootstrapper> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        if (!await roles.RoleExistsAsync(PortalClaims.AdminRole)) await roles.CreateAsync(new IdentityRole(PortalClaims.AdminRole));

        var bootstrap = settings.Value.BootstrapAdmin;
        var hasAdmin = (await users.GetUsersInRoleAsync(PortalClaims.AdminRole)).Count > 0;
        if (!hasAdmin && !string.IsNullOrWhiteSpace(bootstrap.Email) && !string.IsNullOrWhiteSpace(bootstrap.Password))
        {
            var admin = await CreateUserAsync(users, bootstrap.Email, bootstrap.Password, admin: true);
            if (AccessTokens.LooksLikeToken(bootstrap.ApiToken))
            {
                var now = time.GetUtcNow();
                db.PersonalAccessTokens.Add(AccessTokens.Create(admin.Id, "bootstrap", Scopes.All, now, now.AddDays(settings.Value.MaxTokenLifetimeDays), bootstrap.ApiToken!));
                await db.SaveChangesAsync(cancellationToken);
            }
            else if (!string.IsNullOrEmpty(bootstrap.ApiToken))
                logger.LogWarning("Identity:BootstrapAdmin:ApiToken is ignored: a token is 'pat_' followed by at least 16 characters");
            await audit.WriteAsync(db, AuditActor.System, new AuditRecord("user.bootstrap", "user", admin.Email), cancellationToken);
            logger.LogInformation("Created the bootstrap admin {Email}", admin.Email);
            hasAdmin = true;
        }

        if (environment.IsDevelopment()) await DevelopmentAccounts.SeedAsync(users, db, time, cancellationToken);
        else if (!hasAdmin)
            logger.LogWarning("No admin exists. Create one once at /account/setup?code={SetupCode} (or set Identity__BootstrapAdmin__Email and __Password).", setupCode.Value);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    internal static async Task<PortalUser> CreateUserAsync(UserManager<PortalUser> users, string email, string password, bool admin)
    {
        var user = await users.FindByEmailAsync(email);
        if (user is null)
        {
            user = new PortalUser { UserName = email, Email = email, EmailConfirmed = true, CreatedAt = DateTimeOffset.UtcNow };
            var created = await users.CreateAsync(user, password);
            if (!created.Succeeded)
                throw new InvalidOperationException($"Cannot create user {email}: {string.Join(" ", created.Errors.Select(e => e.Description))}");
        }
        if (admin && !await users.IsInRoleAsync(user, PortalClaims.AdminRole)) await users.AddToRoleAsync(user, PortalClaims.AdminRole);
        return user;
    }
}

/// <summary>The demo teams and people the README lists; Development only.</summary>
internal static class DevelopmentAccounts
{
    public const string Password = "Portal-demo-2026";

    public static async Task SeedAsync(UserManager<PortalUser> users, PortalDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        await IdentityBootstrapper.CreateUserAsync(users, "admin@portal.local", Password, admin: true);
        foreach (var (team, displayName, email) in new[] { ("team-a", "Team A", "alice@portal.local"), ("team-b", "Team B", "bob@portal.local") })
        {
            var user = await IdentityBootstrapper.CreateUserAsync(users, email, Password, admin: false);
            var existing = await db.Teams.SingleOrDefaultAsync(t => t.Name == team, cancellationToken);
            if (existing is null)
            {
                existing = new Team { Name = team, DisplayName = displayName, CreatedAt = time.GetUtcNow() };
                db.Teams.Add(existing);
            }
            if (!await db.TeamMemberships.AnyAsync(m => m.TeamId == existing.Id && m.UserId == user.Id, cancellationToken))
                db.TeamMemberships.Add(new TeamMembership { TeamId = existing.Id, UserId = user.Id, Role = TeamRole.Owner });
            await db.SaveChangesAsync(cancellationToken);
        }
    }
}
