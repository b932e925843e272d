using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Identity;
using TestSupport.Portal;

namespace Portal.Tests.Identity;

public sealed class IdentityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Bootstrap_FreshDatabase_CreatesTheAdminWhoseTokenAuthenticates()
    {
        await using var app = new PortalAppFactory { KeepData = true };
        using var anonymous = app.CreateClient();
        using var admin = app.CreateClientWithToken(PortalAppFactory.AdminToken);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/clusters", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/clusters", Ct)).StatusCode);
        var tokens = JsonNode.Parse(await admin.GetStringAsync("/api/v1/tokens", Ct))!["items"]!.AsArray();
        var bootstrap = Assert.Single(tokens);
        Assert.Equal(Scopes.All.Order(), bootstrap!["scopes"]!.AsArray().Select(s => (string)s!).Order());
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/audit/verify", Ct)).StatusCode);

        // A later start with other bootstrap settings changes nothing: the portal already has an admin.
        await app.DisposeAsync();
        await using var restarted = new PortalAppFactory(app.DataDirectory);
        restarted.Settings["Identity:BootstrapAdmin:Email"] = "intruder@portal.test";
        restarted.Settings["Identity:BootstrapAdmin:ApiToken"] = "pat_AnotherTokenThatMustNotBeAccepted0123";
        using var intruder = restarted.CreateClientWithToken("pat_AnotherTokenThatMustNotBeAccepted0123");
        Assert.Equal(HttpStatusCode.Unauthorized, (await intruder.GetAsync("/api/v1/clusters", Ct)).StatusCode);
        await using var db = restarted.CreateDbContext();
        Assert.Equal(1, await db.Users.CountAsync(Ct));
    }

    [Fact]
    public async Task AuditVerify_RowEditedDirectlyInTheDatabase_ReportsThatEntry()
    {
        await using var app = new PortalAppFactory();
        using var http = app.CreateApiClient();
        await http.CreateClusterAsync(new { name = "audited" });
        await http.CreateTokenAsync("ci", Scopes.ClustersRead);
        var before = JsonNode.Parse(await http.GetStringAsync("/api/v1/audit/verify", Ct))!;
        Assert.True((bool)before["verified"]!);
        long target;
        await using (var db = app.CreateDbContext())
            target = await db.AuditEntries.Where(e => e.Action == "cluster.create").Select(e => e.Id).SingleAsync(Ct);

        // What someone with access to the database could do: rewrite who did it, in SQL, past the portal.
        await using (var db = app.CreateDbContext())
            Assert.Equal(1, await db.Database.ExecuteSqlAsync($"""UPDATE "AuditEntries" SET "ActorName" = 'somebody-else' WHERE "Id" = {target}""", Ct));

        var after = JsonNode.Parse(await http.GetStringAsync("/api/v1/audit/verify", Ct))!;
        Assert.False((bool)after["verified"]!);
        Assert.Equal(target, (long)after["brokenAtId"]!);
        Assert.Contains("changed after it was written", (string)after["reason"]!);
    }

    [Fact]
    public async Task AuditVerify_RowDeleted_ReportsTheEntryAfterTheGap()
    {
        await using var app = new PortalAppFactory();
        using var http = app.CreateApiClient();
        await http.CreateClusterAsync(new { name = "first" });
        await http.CreateClusterAsync(new { name = "second" });
        long deleted, next;
        await using (var db = app.CreateDbContext())
        {
            deleted = await db.AuditEntries.Where(e => e.TargetId == "first").Select(e => e.Id).SingleAsync(Ct);
            next = await db.AuditEntries.Where(e => e.Id > deleted).OrderBy(e => e.Id).Select(e => e.Id).FirstAsync(Ct);
            await db.AuditEntries.Where(e => e.Id == deleted).ExecuteDeleteAsync(Ct);
        }

        var result = JsonNode.Parse(await http.GetStringAsync("/api/v1/audit/verify", Ct))!;

        Assert.False((bool)result["verified"]!);
        Assert.Equal(next, (long)result["brokenAtId"]!);
    }

    [Fact]
    public async Task Tokens_Created_AreStoredOnlyAsHashesAndNeverLogged()
    {
        // It reads the bytes of the database files: a SQLite portal's.
        await using var app = new PortalAppFactory(provider: Portal.Data.DatabaseProvider.Sqlite);
        using var http = app.CreateApiClient();

        var (token, _) = await http.CreateTokenAsync("ci-pipeline", Scopes.ClustersRead, Scopes.ClustersWrite);
        using var withToken = app.CreateClientWithToken(token);
        Assert.Equal(HttpStatusCode.OK, (await withToken.GetAsync("/api/v1/clusters", Ct)).StatusCode);

        Assert.StartsWith("pat_", token);
        Assert.Equal(4 + 43, token.Length); // 32 random bytes in base64url
        await using (var db = app.CreateDbContext())
        {
            var stored = await db.PersonalAccessTokens.SingleAsync(t => t.Name == "ci-pipeline", Ct);
            Assert.Equal(AccessTokens.HashOf(token), stored.Hash);
            Assert.Equal(token[..12], stored.Prefix);
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);", Ct);
        }
        foreach (var file in Directory.GetFiles(app.DataDirectory, "portal.db*"))
        {
            var bytes = await File.ReadAllBytesAsync(file, Ct);
            Assert.False(Contains(bytes, token), $"{Path.GetFileName(file)} holds the token in clear");
            Assert.False(Contains(bytes, PortalAppFactory.AdminToken), $"{Path.GetFileName(file)} holds the bootstrap token in clear");
        }
        Assert.DoesNotContain(app.Logs.Lines, line => line.Contains(token) || line.Contains(PortalAppFactory.AdminToken));
        var audit = JsonNode.Parse(await http.GetStringAsync("/api/v1/audit?action=token.create", Ct))!["items"]!.AsArray();
        Assert.DoesNotContain(token, audit.ToJsonString());
        Assert.Contains(token[..12], audit.ToJsonString()); // the recognisable prefix is kept
    }

    [Fact]
    public async Task SignIn_WrongPassword_IsAuditedWithoutThePasswordAndLocksOutAfterRepeatedFailures()
    {
        await using var app = new PortalAppFactory();
        app.Settings["Identity:MaxFailedSignIns"] = "3";
        using var http = app.CreateApiClient();
        for (var i = 0; i < 3; i++)
            await Assert.ThrowsAnyAsync<Exception>(() => Personas.SignInAsync(app, PortalAppFactory.AdminEmail, "Wrong-password-123"));

        // Locked out: even the right password is refused for now.
        await Assert.ThrowsAnyAsync<Exception>(() => Personas.SignInAsync(app, PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword));
        var failures = JsonNode.Parse(await http.GetStringAsync("/api/v1/audit?action=signin.failure", Ct))!["items"]!.AsArray();
        Assert.Equal(4, failures.Count);
        Assert.Contains("locked out", failures[0]!["details"]!.ToString());
        Assert.DoesNotContain("Wrong-password-123", failures.ToJsonString());
        Assert.DoesNotContain(app.Logs.Lines, line => line.Contains("Wrong-password-123"));
    }

    [Fact]
    public async Task Audit_ClusterCreate_RecordsActorOriginTeamAndTarget()
    {
        await using var app = new PortalAppFactory();
        using var http = app.CreateApiClient();
        http.DefaultRequestHeaders.UserAgent.ParseAdd("pipeline/1.0");

        await http.CreateClusterAsync(new { name = "traced" });

        var entry = JsonNode.Parse(await http.GetStringAsync("/api/v1/audit?action=cluster.create", Ct))!["items"]![0]!;
        Assert.Equal("token", (string)entry["actorType"]!);
        Assert.Equal(PortalAppFactory.AdminEmail, (string)entry["actorName"]!);
        Assert.NotNull(entry["tokenId"]);
        Assert.Equal("pipeline/1.0", (string)entry["userAgent"]!);
        Assert.Equal(PortalAppFactory.DefaultTeam, (string)entry["team"]!);
        Assert.Equal("cluster", (string)entry["targetType"]!);
        Assert.Equal("traced", (string)entry["targetId"]!);
        Assert.Equal("success", (string)entry["outcome"]!);
    }

    private static bool Contains(byte[] haystack, string needle) =>
        haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0;
}
