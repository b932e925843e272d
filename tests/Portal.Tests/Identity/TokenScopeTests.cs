using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Identity;
using Portal.Tests.Api;
using TestSupport.Portal;

namespace Portal.Tests.Identity;

/// <summary>
/// What a token may do with tokens and admin endpoints: minting and revoking need <c>tokens:write</c>,
/// a child never outlives nor outranks its parent and dies with it, and admin powers need <c>admin</c>.
/// </summary>
public sealed class TokenScopeTests : PortalApiTest
{
    private const string OwnerEmail = "owner@portal.test", Password = "Owner-password-2026";

    [Fact]
    public async Task CreateToken_WithTokenLackingTokensWrite_Answers403AndCreatesNothing()
    {
        using var readOnly = await OwnerTokenClientAsync(Scopes.ClustersRead, Scopes.ClustersWrite);

        var response = await readOnly.PostAsJsonAsync("/api/v1/tokens", Request("child", DateTimeOffset.UtcNow.AddDays(1), Scopes.ClustersRead), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await using var db = App.CreateDbContext();
        Assert.False(await db.PersonalAccessTokens.AnyAsync(t => t.Name == "child", Ct));
    }

    [Fact]
    public async Task CreateToken_ChildOutlivingItsParent_Answers400NamingExpiresAt()
    {
        using var parent = await OwnerTokenClientAsync(DateTimeOffset.UtcNow.AddMinutes(90), Scopes.ClustersRead, Scopes.TokensWrite);

        var response = await parent.PostAsJsonAsync("/api/v1/tokens", Request("long-lived", DateTimeOffset.UtcNow.AddDays(365), Scopes.ClustersRead), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Contains("the token that creates it expires", (string)problem["errors"]!["expiresAt"]![0]!);
        await using var db = App.CreateDbContext();
        Assert.False(await db.PersonalAccessTokens.AnyAsync(t => t.Name == "long-lived", Ct));
    }

    [Fact]
    public async Task CreateToken_ChildWithoutExpiry_ExpiresWithItsParentAndRemembersIt()
    {
        var parentExpiry = DateTimeOffset.UtcNow.AddHours(5);
        using var owner = await OwnerAsync();
        var (parentToken, parentId) = await owner.CreateTokenAsync(Request("parent", parentExpiry, Scopes.ClustersRead, Scopes.TokensWrite));
        using var parent = App.CreateClientWithToken(parentToken);

        var (_, childId) = await parent.CreateTokenAsync(new { name = "child", scopes = new[] { Scopes.ClustersRead } });

        await using var db = App.CreateDbContext();
        var child = await db.PersonalAccessTokens.SingleAsync(t => t.Id == Guid.Parse(childId), Ct);
        var stored = await db.PersonalAccessTokens.SingleAsync(t => t.Id == Guid.Parse(parentId), Ct);
        Assert.Equal(stored.ExpiresAt, child.ExpiresAt);
        Assert.Equal(stored.Id, child.ParentTokenId);
    }

    [Fact]
    public async Task CreateToken_CookieWithoutExpiry_Answers400NamingExpiresAt()
    {
        using var owner = await OwnerAsync();

        var response = await owner.PostAsJsonAsync("/api/v1/tokens", new { name = "no-expiry", scopes = new[] { Scopes.ClustersRead } }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["errors"]!["expiresAt"]);
    }

    [Theory]
    [InlineData(Scopes.ClustersWrite)]
    [InlineData(Scopes.Admin)]
    [InlineData(Scopes.AuditRead)]
    public async Task CreateToken_ChildAskingForAScopeItsParentLacks_Answers400NamingScopes(string scope)
    {
        using var parent = await OwnerTokenClientAsync(Scopes.ClustersRead, Scopes.TokensWrite);

        var response = await parent.PostAsJsonAsync("/api/v1/tokens", Request("wider", DateTimeOffset.UtcNow.AddDays(1), Scopes.ClustersRead, scope), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"'{scope}'", (string)JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["errors"]!["scopes"]![0]!);
    }

    [Fact]
    public async Task CreateToken_PersonWithoutAdminRole_CannotGrantAdminOrAuditRead()
    {
        using var owner = await OwnerAsync();

        foreach (var scope in new[] { Scopes.Admin, Scopes.AuditRead })
        {
            var response = await owner.PostAsJsonAsync("/api/v1/tokens", Request("admin", DateTimeOffset.UtcNow.AddDays(1), scope), Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{scope}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task RevokeToken_Parent_RevokesEveryDescendantAndAuditsEach()
    {
        using var owner = await OwnerAsync();
        var (parentToken, parentId) = await owner.CreateTokenAsync(Request("parent", DateTimeOffset.UtcNow.AddDays(2), Scopes.ClustersRead, Scopes.TokensWrite));
        using var parent = App.CreateClientWithToken(parentToken);
        var (childToken, childId) = await parent.CreateTokenAsync(Request("child", DateTimeOffset.UtcNow.AddDays(1), Scopes.ClustersRead, Scopes.TokensWrite));
        using var child = App.CreateClientWithToken(childToken);
        var (grandchildToken, _) = await child.CreateTokenAsync(Request("grandchild", DateTimeOffset.UtcNow.AddHours(1), Scopes.ClustersRead));
        using var grandchild = App.CreateClientWithToken(grandchildToken);
        var (siblingToken, _) = await owner.CreateTokenAsync(Request("sibling", DateTimeOffset.UtcNow.AddDays(1), Scopes.ClustersRead));
        using var sibling = App.CreateClientWithToken(siblingToken);
        Assert.Equal(HttpStatusCode.OK, (await grandchild.GetAsync("/api/v1/clusters", Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await owner.DeleteAsync($"/api/v1/tokens/{parentId}", Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await parent.GetAsync("/api/v1/clusters", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await child.GetAsync("/api/v1/clusters", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await grandchild.GetAsync("/api/v1/clusters", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await sibling.GetAsync("/api/v1/clusters", Ct)).StatusCode);
        var revoked = JsonNode.Parse(await Http.GetStringAsync("/api/v1/audit?action=token.revoke", Ct))!["items"]!.AsArray();
        Assert.Equal(3, revoked.Count);
        Assert.Contains(revoked, e => (string)e!["targetId"]! == childId && ((string)e["details"]!).Contains(parentId));
    }

    [Fact]
    public async Task RevokeToken_ReadOnlyToken_CannotRevokeItsOwnersReadWriteToken()
    {
        using var owner = await OwnerAsync();
        var (writeToken, writeId) = await owner.CreateTokenAsync(Request("read-write", DateTimeOffset.UtcNow.AddDays(1), Scopes.ClustersWrite));
        using var readOnly = App.CreateClientWithToken((await owner.CreateTokenAsync(Request("read-only", DateTimeOffset.UtcNow.AddDays(1), Scopes.ClustersRead))).Token);

        var response = await readOnly.DeleteAsync($"/api/v1/tokens/{writeId}", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var readWrite = App.CreateClientWithToken(writeToken);
        Assert.Equal(HttpStatusCode.OK, (await readWrite.GetAsync("/api/v1/clusters", Ct)).StatusCode);
    }

    [Fact]
    public async Task RevokeToken_TokensWriteTokenOnATokenItDidNotCreate_Answers403ButMayRevokeItself()
    {
        using var owner = await OwnerAsync();
        var (_, otherId) = await owner.CreateTokenAsync(Request("other", DateTimeOffset.UtcNow.AddDays(1), Scopes.ClustersWrite));
        var (managerToken, managerId) = await owner.CreateTokenAsync(Request("manager", DateTimeOffset.UtcNow.AddDays(1), Scopes.ClustersRead, Scopes.TokensWrite));
        using var manager = App.CreateClientWithToken(managerToken);

        var other = await manager.DeleteAsync($"/api/v1/tokens/{otherId}", Ct);
        var itself = await manager.DeleteAsync($"/api/v1/tokens/{managerId}", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Contains("created with it", (string)JsonNode.Parse(await other.Content.ReadAsStringAsync(Ct))!["detail"]!);
        Assert.Equal(HttpStatusCode.OK, itself.StatusCode);
        await using var db = App.CreateDbContext();
        Assert.Null((await db.PersonalAccessTokens.SingleAsync(t => t.Id == Guid.Parse(otherId), Ct)).RevokedAt);
    }

    [Fact]
    public async Task AdminsToken_WithClustersWriteButNoAdminScope_HasNoAdminPowers()
    {
        var (ciToken, _) = await Http.CreateTokenAsync(Request("ci", DateTimeOffset.UtcNow.AddDays(1), Scopes.ClustersWrite, Scopes.AuditRead));
        using var ci = App.CreateClientWithToken(ciToken);
        await Http.CreateClusterAsync(new { name = "theirs" }); // in the default team, of which the admin is no member

        var user = await ci.PostAsJsonAsync("/api/v1/users", new { email = "made@portal.test", password = "Made-password-2026" }, Ct);
        var backup = await ci.PostAsync("/api/v1/admin/backup", null, Ct);
        var team = await ci.PostAsJsonAsync("/api/v1/teams", new { name = "made", displayName = "Made" }, Ct);
        var cluster = await ci.GetAsync("/api/v1/clusters/theirs", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, user.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, backup.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, team.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, cluster.StatusCode);
        // audit:read is an admin's scope on its own: it still reads the trail.
        Assert.Equal(HttpStatusCode.OK, (await ci.GetAsync("/api/v1/audit", Ct)).StatusCode);
    }

    [Fact]
    public async Task AdminsToken_WithAdminScope_ManagesUsersUntilTheOwnerIsNoLongerAdmin()
    {
        var (adminToken, _) = await Http.CreateTokenAsync(Request("admin-ci", DateTimeOffset.UtcNow.AddDays(1), Scopes.Admin));
        using var admin = App.CreateClientWithToken(adminToken);

        var first = await admin.PostAsJsonAsync("/api/v1/users", new { email = "first@portal.test", password = "Made-password-2026" }, Ct);
        await using (var db = App.CreateDbContext())
            await db.UserRoles.ExecuteDeleteAsync(Ct);
        var second = await admin.PostAsJsonAsync("/api/v1/users", new { email = "second@portal.test", password = "Made-password-2026" }, Ct);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, second.StatusCode);
    }

    private static object Request(string name, DateTimeOffset expiresAt, params string[] scopes) => new { name, scopes, expiresAt };

    private async Task<HttpClient> OwnerAsync()
    {
        await using (var db = App.CreateDbContext())
            if (!await db.Users.AnyAsync(u => u.Email == OwnerEmail, Ct))
                await Http.CreateMemberAsync(OwnerEmail, Password, "team-a", "owner");
        return await Personas.SignInAsync(App, OwnerEmail, Password);
    }

    private Task<HttpClient> OwnerTokenClientAsync(params string[] scopes) => OwnerTokenClientAsync(DateTimeOffset.UtcNow.AddDays(1), scopes);

    private async Task<HttpClient> OwnerTokenClientAsync(DateTimeOffset expiresAt, params string[] scopes)
    {
        using var owner = await OwnerAsync();
        return App.CreateClientWithToken((await owner.CreateTokenAsync(Request("parent", expiresAt, scopes))).Token);
    }
}
