using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Auditing;
using Portal.Clusters;
using Portal.Data;

namespace Portal.Identity;

public sealed record TeamMemberView(string Email, TeamRole Role);
public sealed record TeamView(string Name, string DisplayName, IReadOnlyList<TeamMemberView> Members, DateTimeOffset CreatedAt);
/// <param name="DisplayName">The name people read; the slug when omitted.</param>
public sealed record CreateTeamRequest(string? Name, string? DisplayName = null);
public sealed record TeamMemberRequest(string? Email, TeamRole? Role);
public sealed record CreateUserRequest(string? Email, string? Password, string? DisplayName);
public sealed record UserView(string Id, string Email, string? DisplayName, bool IsAdmin);

/// <summary>
/// Teams and their members, for the admin page and the admin API; every change is audited. Each command
/// asks whether the caller is an admin at that moment: the admin page may have opened before they stopped being one.
/// </summary>
public sealed class TeamAdministration(IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, IServiceScopeFactory scopes, TimeProvider time)
{
    private const string AdminsOnly = "Only portal admins manage teams and accounts.";

    /// <summary>Creates a local account (for portals without single sign-on); the person signs in with the given password.</summary>
    public async Task<CommandResult<UserView>> CreateUserAsync(Caller caller, CreateUserRequest request, CancellationToken cancellationToken)
    {
        if (!await IsAdminNowAsync(caller, cancellationToken)) return CommandResult<UserView>.Forbidden(AdminsOnly);
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<PortalUser>>();
        var email = request.Email?.Trim() ?? "";
        var displayName = request.DisplayName?.Trim();
        var errors = new Dictionary<string, string[]>();
        if (NameRules.HasUnsafeCharacters(email)) errors["email"] = [NameRules.UnsafeMessage("email address")];
        else if (!System.Net.Mail.MailAddress.TryCreate(email, out _) || email.Length > 256) errors["email"] = ["Enter a valid email address."];
        if (displayName is not null && NameRules.Problem(displayName, NameRules.MaxDisplayName, "display name") is { } nameProblem) errors["displayName"] = [nameProblem];
        if (errors.Count > 0) return CommandResult<UserView>.Invalid(errors);
        if (await users.FindByEmailAsync(email) is not null)
            return CommandResult<UserView>.Conflict($"An account for '{email}' already exists.", new Dictionary<string, string[]> { ["email"] = [$"An account for '{email}' already exists."] });
        var user = new PortalUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = displayName, CreatedAt = time.GetUtcNow() };
        var created = await users.CreateAsync(user, request.Password ?? "");
        if (!created.Succeeded)
            return CommandResult<UserView>.Invalid(new Dictionary<string, string[]> { ["password"] = created.Errors.Select(e => e.Description).ToArray() });
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await audit.WriteAsync(db, caller.Actor, new AuditRecord("user.create", "user", email), cancellationToken);
        return CommandResult<UserView>.Ok(new UserView(user.Id, email, user.DisplayName, false));
    }

    public async Task<IReadOnlyList<TeamView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var teams = await db.Teams.AsNoTracking().Include(t => t.Members).ThenInclude(m => m.User).OrderBy(t => t.Name).ToListAsync(cancellationToken);
        return teams.Select(View).ToList();
    }

    public async Task<TeamView?> FindAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var team = await db.Teams.AsNoTracking().Include(t => t.Members).ThenInclude(m => m.User).SingleOrDefaultAsync(t => t.Name == name, cancellationToken);
        return team is null ? null : View(team);
    }

    /// <summary>A portal account by its id, the one a created user's Location names.</summary>
    public async Task<UserView?> FindUserAsync(string id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, cancellationToken);
        return user is null ? null : new UserView(user.Id, user.Email ?? user.UserName ?? user.Id, user.DisplayName, await Caller.IsAdminAsync(db, user.Id, cancellationToken));
    }

    public async Task<CommandResult<TeamView>> CreateAsync(Caller caller, CreateTeamRequest request, CancellationToken cancellationToken)
    {
        if (!await IsAdminNowAsync(caller, cancellationToken)) return CommandResult<TeamView>.Forbidden(AdminsOnly);
        var name = request.Name?.Trim() ?? "";
        var displayName = string.IsNullOrWhiteSpace(request.DisplayName) ? name : request.DisplayName.Trim();
        var errors = new Dictionary<string, string[]>();
        if (!TeamRules.Slug().IsMatch(name))
            errors["name"] = ["A team name is a DNS-style slug: 3 to 64 lower-case letters, digits and hyphens, e.g. team-a."];
        if (NameRules.Problem(displayName, NameRules.MaxDisplayName, "display name") is { } nameProblem) errors["displayName"] = [nameProblem];
        if (errors.Count > 0) return CommandResult<TeamView>.Invalid(errors);

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.Teams.AnyAsync(t => t.Name == name, cancellationToken))
            return CommandResult<TeamView>.Conflict($"A team named '{name}' already exists.", new Dictionary<string, string[]> { ["name"] = [$"A team named '{name}' already exists."] });
        var team = new Team { Name = name, DisplayName = displayName, CreatedAt = time.GetUtcNow() };
        await using var scope = await audit.BeginAsync(db, cancellationToken);
        db.Teams.Add(team);
        scope.Add(caller.Actor, new AuditRecord("team.create", "team", name, Team: name, Details: new { displayName }));
        await scope.CommitAsync(cancellationToken);
        return CommandResult<TeamView>.Ok(View(team));
    }

    public async Task<CommandResult<TeamView>> AddMemberAsync(Caller caller, string teamName, TeamMemberRequest request, CancellationToken cancellationToken)
    {
        if (!await IsAdminNowAsync(caller, cancellationToken)) return CommandResult<TeamView>.Forbidden(AdminsOnly);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var team = await db.Teams.Include(t => t.Members).ThenInclude(m => m.User).SingleOrDefaultAsync(t => t.Name == teamName, cancellationToken);
        if (team is null) return CommandResult<TeamView>.NotFound($"No team named '{teamName}'.");
        var user = request.Email is { Length: > 0 } email ? await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == email.ToUpperInvariant(), cancellationToken) : null;
        if (user is null)
            return CommandResult<TeamView>.Invalid(new Dictionary<string, string[]> { ["email"] = [$"No portal user has the email '{request.Email}'. They sign in once, or an admin creates the account."] });
        var role = request.Role ?? TeamRole.Member;

        await using var scope = await audit.BeginAsync(db, cancellationToken);
        if (team.Members.SingleOrDefault(m => m.UserId == user.Id) is { } existing) existing.Role = role;
        else team.Members.Add(new TeamMembership { TeamId = team.Id, UserId = user.Id, User = user, Role = role });
        scope.Add(caller.Actor, new AuditRecord("team.member.add", "team", team.Name, Team: team.Name, Details: new { member = user.Email, role }));
        await scope.CommitAsync(cancellationToken);
        return CommandResult<TeamView>.Ok(View(team));
    }

    public async Task<CommandResult<TeamView>> RemoveMemberAsync(Caller caller, string teamName, string? email, CancellationToken cancellationToken)
    {
        if (!await IsAdminNowAsync(caller, cancellationToken)) return CommandResult<TeamView>.Forbidden(AdminsOnly);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var team = await db.Teams.Include(t => t.Members).ThenInclude(m => m.User).SingleOrDefaultAsync(t => t.Name == teamName, cancellationToken);
        if (team is null) return CommandResult<TeamView>.NotFound($"No team named '{teamName}'.");
        var membership = team.Members.SingleOrDefault(m => string.Equals(m.User.Email, email, StringComparison.OrdinalIgnoreCase));
        if (membership is null) return CommandResult<TeamView>.NotFound($"'{email}' is not a member of team '{teamName}'.");

        await using var scope = await audit.BeginAsync(db, cancellationToken);
        team.Members.Remove(membership);
        db.TeamMemberships.Remove(membership);
        scope.Add(caller.Actor, new AuditRecord("team.member.remove", "team", team.Name, Team: team.Name, Details: new { member = membership.User.Email }));
        await scope.CommitAsync(cancellationToken);
        return CommandResult<TeamView>.Ok(View(team));
    }

    private async Task<bool> IsAdminNowAsync(Caller caller, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return (await caller.NowAsync(db, cancellationToken)).IsAdmin;
    }

    private static TeamView View(Team team) => new(team.Name, team.DisplayName,
        team.Members.Select(m => new TeamMemberView(m.User?.Email ?? m.UserId, m.Role)).OrderBy(m => m.Email).ToList(), team.CreatedAt);
}
