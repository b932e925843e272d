using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Api;
using Portal.Clusters;
using Portal.Data;
using Portal.Deployments;
using Portal.Identity;
using TestSupport.Portal;

namespace Portal.Tests.Identity;

/// <summary>
/// A page resolves its caller when it opens and may stay open for hours. Every command decides with
/// the memberships and roles the database holds at the moment of the action, not with that caller.
/// </summary>
public sealed class ActionTimeAuthorizationTests : IAsyncLifetime
{
    private const string Password = "Stale-password-2026", MemberEmail = "leaver@portal.test", AdminEmail = "ex-admin@portal.test";
    private const string Held = "held", Broken = "broken";

    private readonly PortalAppFactory _app = new();
    private HttpClient _admin = null!;
    private Guid _heldOperation, _brokenOperation;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _admin = _app.CreateApiClient();
        await _admin.CreateMemberAsync(MemberEmail, Password, "team-a", "owner");
        var held = await _admin.CreateClusterAsync(new { name = Held, team = "team-a" });
        _heldOperation = Guid.Parse((string)held["operation"]!["id"]!);
        await _admin.WaitForOperationAsync(_heldOperation.ToString());
        var broken = await _admin.CreateClusterAsync(new { name = Broken, team = "team-a", simulation = new { failResource = "serverGroupA" } });
        _brokenOperation = Guid.Parse((string)broken["operation"]!["id"]!);
        await _admin.WaitForOperationAsync(_brokenOperation.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task ClusterCommands_MemberRemovedAfterThePageOpened_AreRefusedAndChangeNothing()
    {
        var page = await PageCallerAsync(MemberEmail);
        Assert.Contains("team-a", page.Teams);
        var removed = await _admin.DeleteAsync($"/api/v1/teams/team-a/members?email={MemberEmail}", Ct);
        Assert.True(removed.IsSuccessStatusCode);
        var before = await SnapshotAsync();

        var outcomes = await RunEveryClusterCommandAsync(page);

        Assert.All(outcomes, o => Assert.True(o.Status is CommandStatus.NotFound or CommandStatus.Invalid, $"{o.Command}: {o.Status}"));
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Commands_AdminDemotedAfterThePageOpened_AreRefusedAndChangeNothing()
    {
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            var user = new PortalUser { UserName = AdminEmail, Email = AdminEmail, EmailConfirmed = true };
            Assert.True((await users.CreateAsync(user, Password)).Succeeded);
            Assert.True((await users.AddToRoleAsync(user, PortalClaims.AdminRole)).Succeeded);
        }
        var page = await PageCallerAsync(AdminEmail, admin: true);
        Assert.True(page.IsAdmin);
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            Assert.True((await users.RemoveFromRoleAsync((await users.FindByEmailAsync(AdminEmail))!, PortalClaims.AdminRole)).Succeeded);
        }
        var before = await SnapshotAsync();
        var teams = _app.Services.GetRequiredService<TeamAdministration>();

        var outcomes = (await RunEveryClusterCommandAsync(page)).Concat(new List<(string Command, CommandStatus Status)>
        {
            ("create team", (await teams.CreateAsync(page, new CreateTeamRequest("team-x", null), Ct)).Status),
            ("add member", (await teams.AddMemberAsync(page, "team-a", new TeamMemberRequest(AdminEmail, TeamRole.Owner), Ct)).Status),
            ("remove member", (await teams.RemoveMemberAsync(page, "team-a", MemberEmail, Ct)).Status),
            ("create user", (await teams.CreateUserAsync(page, new CreateUserRequest("new@portal.test", Password, null), Ct)).Status),
        }).ToList();

        Assert.All(outcomes, o => Assert.True(o.Status is CommandStatus.NotFound or CommandStatus.Invalid or CommandStatus.Forbidden, $"{o.Command}: {o.Status}"));
        Assert.Equal(before, await SnapshotAsync());
    }

    /// <summary>Every command a cluster page offers, with the caller the page holds.</summary>
    private async Task<List<(string Command, CommandStatus Status)>> RunEveryClusterCommandAsync(Caller page)
    {
        var commands = _app.Services.GetRequiredService<ClusterCommands>();
        var secrets = _app.Services.GetRequiredService<ClusterSecretsCommands>();
        var operations = _app.Services.GetRequiredService<OperationCommands>();
        return
        [
            ("create", (await commands.CreateAsync(page, new CreateClusterRequest { Name = "newcomer", Team = "team-a" }, Ct)).Status),
            ("create with injected fault", (await commands.CreateAsync(page, new CreateClusterRequest { Name = "faulty", Team = "team-a", Simulation = new() { FailResource = "vpc" } }, Ct)).Status),
            ("destroy", (await commands.DestroyAsync(page, Held, Ct)).Status),
            ("refresh", (await commands.RefreshAsync(page, Held, Ct)).Status),
            ("change", (await commands.UpdateAsync(page, Held, new UpdateClusterRequest { ClientCount = 2 }, Ct)).Status),
            ("preview", (await commands.PreviewAsync(page, Held, null, Ct)).Status),
            ("retry", (await commands.RetryAsync(page, _brokenOperation, Ct)).Status),
            ("cancel", (await operations.CancelAsync(page, _heldOperation, Ct)).Status),
            ("reveal", (await secrets.RevealManagementTokenAsync(page, Held, Ct)).Status),
            ("ca certificate", await secrets.CaCertificateAsync(page, Held, Ct) is null ? CommandStatus.NotFound : CommandStatus.Ok),
        ];
    }

    /// <summary>The caller as a page resolves it from its circuit's authentication state when it opens.</summary>
    private async Task<Caller> PageCallerAsync(string email, bool admin = false)
    {
        await using var db = _app.CreateDbContext();
        var user = await db.Users.SingleAsync(u => u.Email == email, Ct);
        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, user.Id), new(ClaimTypes.Name, email) };
        if (admin) claims.Add(new Claim(ClaimTypes.Role, PortalClaims.AdminRole));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, "Identity.Application"));
        return (await _app.Services.GetRequiredService<CircuitCallers>().ResolveAsync(principal, new ClientInfo("127.0.0.1", "test"), Ct))!;
    }

    /// <summary>Everything a refused command could have changed.</summary>
    private async Task<string> SnapshotAsync()
    {
        await using var db = _app.CreateDbContext();
        var clusters = (await db.Clusters.OrderBy(c => c.Name).ToListAsync(Ct))
            .Select(c => $"{c.Name}:{c.Status}:{System.Text.Json.JsonSerializer.Serialize(c.Spec, PortalJson.Options)}").ToList();
        var operations = await db.Operations.OrderBy(o => o.Id).Select(o => $"{o.Id}:{o.State}").ToListAsync(Ct);
        var teams = await db.Teams.OrderBy(t => t.Name).Select(t => t.Name + ":" + t.Members.Count).ToListAsync(Ct);
        var users = await db.Users.CountAsync(Ct);
        var reveals = await db.AuditEntries.CountAsync(e => e.Action == ClusterSecretsCommands.RevealAction && e.Outcome == "success", Ct);
        return string.Join("\n", [.. clusters, .. operations, .. teams, $"users {users}", $"reveals {reveals}"]);
    }
}
