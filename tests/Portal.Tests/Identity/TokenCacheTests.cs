using System.Collections.Concurrent;
using System.Data.Common;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Portal.Api;
using Portal.Data;
using Portal.Identity;
using TestSupport.Portal;

namespace Portal.Tests.Identity;

/// <summary>
/// A token's principal is cached per hash, so a request with a known token asks the database nothing; what changes a
/// token's powers in this process still counts on the very next request. The real portal on Kestrel and SQLite, with
/// its clock moved by the test and the database commands that read or write tokens and roles counted.
/// </summary>
public sealed class TokenCacheTests : IAsyncDisposable
{
    private readonly CountingPortal _app = new();
    private HttpClient? _admin;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        _admin?.Dispose();
        await _app.DisposeAsync();
    }

    /// <summary>The bootstrap admin's API client, on the portal started on Kestrel (after the test's settings).</summary>
    private HttpClient Admin
    {
        get
        {
            if (_admin is null) _app.StartOnKestrel();
            return _admin ??= _app.CreateApiClient();
        }
    }

    [Fact]
    public async Task CachedToken_RepeatedRequests_AuthenticateWithoutAskingTheDatabase()
    {
        using var ci = await TokenClientAsync(Scopes.ClustersRead);
        Assert.Equal(HttpStatusCode.OK, (await ci.GetAsync("/api/v1/clusters", Ct)).StatusCode);
        Assert.NotEmpty(_app.TokenCommands.Lookups);
        _app.TokenCommands.Clear();

        for (var i = 0; i < 20; i++) Assert.Equal(HttpStatusCode.OK, (await ci.GetAsync("/api/v1/clusters", Ct)).StatusCode);

        Assert.Empty(_app.TokenCommands.All);
    }

    [Fact]
    public async Task CachedToken_Revoked_IsRefusedOnTheVeryNextRequest()
    {
        var (token, id) = await Admin.CreateTokenAsync("ci", Scopes.ClustersRead, Scopes.TokensWrite);
        using var ci = _app.CreateClientWithToken(token);
        await AssertCachedAsync(ci);

        Assert.Equal(HttpStatusCode.OK, (await ci.DeleteAsync($"/api/v1/tokens/{id}", Ct)).StatusCode); // revokes itself

        Assert.Equal(HttpStatusCode.Unauthorized, (await ci.GetAsync("/api/v1/clusters", Ct)).StatusCode);
    }

    [Fact]
    public async Task CachedToken_ChildOfARevokedToken_IsRefusedOnTheVeryNextRequest()
    {
        var (parentToken, parentId) = await Admin.CreateTokenAsync("parent", Scopes.ClustersRead, Scopes.TokensWrite);
        using var parent = _app.CreateClientWithToken(parentToken);
        var (childToken, _) = await parent.CreateTokenAsync(new { name = "child", scopes = new[] { Scopes.ClustersRead } });
        using var child = _app.CreateClientWithToken(childToken);
        await AssertCachedAsync(child);

        Assert.Equal(HttpStatusCode.OK, (await Admin.DeleteAsync($"/api/v1/tokens/{parentId}", Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await child.GetAsync("/api/v1/clusters", Ct)).StatusCode);
    }

    [Fact]
    public async Task CachedToken_OwnerLosesAdminAtSignIn_IsRefusedAdminEndpointsOnTheNextRequest()
    {
        _app.Settings["Authentication:Oidc:Authority"] = "https://idp.example.test/";
        _app.Settings["Authentication:Oidc:ClientId"] = "portal";
        _app.Settings["Authentication:Oidc:AdminTeam"] = "portal-admins";
        _ = Admin;
        var gina = (await SignInAsync(["portal-admins", "team-a"])).User!;
        var token = AccessTokens.NewToken();
        await using (var db = _app.CreateDbContext())
        {
            var now = _app.Clock.GetUtcNow();
            db.PersonalAccessTokens.Add(AccessTokens.Create(gina.Id, "gina-ci", [Scopes.Admin, Scopes.ClustersRead], now, now.AddDays(1), token));
            await db.SaveChangesAsync(Ct);
        }
        using var ci = _app.CreateClientWithToken(token);
        Assert.Equal(HttpStatusCode.OK, (await ci.GetAsync("/api/v1/teams", Ct)).StatusCode); // an admin endpoint: no command re-reads the role
        await AssertCachedAsync(ci);

        await SignInAsync(["team-a"]); // the provider no longer lists the admin group

        Assert.Equal(HttpStatusCode.Forbidden, (await ci.GetAsync("/api/v1/teams", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ci.GetAsync("/api/v1/clusters", Ct)).StatusCode); // still a member of team-a
    }

    [Fact]
    public async Task CachedToken_PastItsExpiry_IsRefusedAtOnceThoughTheEntryIsFresh()
    {
        _app.Settings["Identity:TokenCacheDuration"] = "00:05:00"; // fresh well past the token's expiry
        var expiresAt = _app.Clock.GetUtcNow().AddMinutes(1);
        var (token, _) = await Admin.CreateTokenAsync(new { name = "short", scopes = new[] { Scopes.ClustersRead }, expiresAt });
        using var ci = _app.CreateClientWithToken(token);
        await AssertCachedAsync(ci);

        _app.Clock.Advance(TimeSpan.FromSeconds(61));

        Assert.Equal(HttpStatusCode.Unauthorized, (await ci.GetAsync("/api/v1/clusters", Ct)).StatusCode);
    }

    [Fact]
    public async Task CachedToken_UsedForMinutes_RecordsItsUseAtMostOnceAMinute()
    {
        _app.Settings["Identity:TokenCacheDuration"] = "00:05:00"; // every request below is a cache hit after the first
        using var ci = await TokenClientAsync(Scopes.ClustersRead);
        var started = _app.Clock.GetUtcNow();
        var writes = new List<int>();

        // Every 25 s, so that no step lands on the minute itself.
        for (var second = 0; second <= 150; second += 25)
        {
            _app.TokenCommands.Clear();
            for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await ci.GetAsync("/api/v1/clusters", Ct)).StatusCode);
            writes.Add(_app.TokenCommands.LastUsedWrites.Count);
            if (second > 0) Assert.Empty(_app.TokenCommands.Lookups); // cache hits: what is written is the use, nothing is read
            _app.Clock.Advance(TimeSpan.FromSeconds(25));
        }

        // The first request, then the first one more than a minute after the last write: at 75 s and 150 s.
        Assert.Equal([1, 0, 0, 1, 0, 0, 1], writes);
        await using var db = _app.CreateDbContext();
        var lastUsed = (await db.PersonalAccessTokens.AsNoTracking().SingleAsync(t => t.Name == "ci", Ct)).LastUsedAt!.Value;
        Assert.InRange(lastUsed, started.AddSeconds(149), started.AddSeconds(152));
    }

    [Fact]
    public async Task CachedToken_RevokedByAnotherProcess_IsRefusedOnceTheEntryIsNoLongerFresh()
    {
        using var ci = await TokenClientAsync(Scopes.ClustersRead);
        await AssertCachedAsync(ci);
        // Another replica revokes it: this process hears nothing, and honours the entry until it is no longer fresh.
        await using (var db = _app.CreateDbContext())
            await db.PersonalAccessTokens.Where(t => t.Name == "ci").ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, _app.Clock.GetUtcNow()), Ct);
        Assert.Equal(HttpStatusCode.OK, (await ci.GetAsync("/api/v1/clusters", Ct)).StatusCode);

        _app.Clock.Advance(TimeSpan.FromSeconds(30)); // Identity:TokenCacheDuration's default

        Assert.Equal(HttpStatusCode.Unauthorized, (await ci.GetAsync("/api/v1/clusters", Ct)).StatusCode);
    }

    [Fact]
    public async Task UnknownToken_RepeatedRequests_AreAskedOfTheDatabaseEachTime()
    {
        using var stranger = await TokenClientAsync(Scopes.ClustersRead, token: AccessTokens.NewToken());

        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.GetAsync("/api/v1/clusters", Ct)).StatusCode);

        Assert.Equal(3, _app.TokenCommands.Lookups.Count);
    }

    [Fact]
    public void TokenCacheDuration_OverFiveMinutes_StopsStartUpNamingTheKey()
    {
        _app.Settings["Identity:TokenCacheDuration"] = "00:10:00";

        var error = Assert.ThrowsAny<Exception>(() => _app.Services);

        Assert.Contains("Identity:TokenCacheDuration", error.Message);
    }

    [Fact]
    public void Add_AfterAForgettingDuringTheRead_KeepsNothing()
    {
        var cache = _app.Services.GetRequiredService<TokenPrincipalCache>();
        var now = _app.Clock.GetUtcNow();
        var entry = new CachedToken(Guid.NewGuid(), "someone", "someone", [Scopes.ClustersRead], now.AddDays(1), null, now.AddSeconds(30));
        var generation = cache.Generation;

        cache.ForgetTokens(["another token's hash"]); // a revocation committed while the database was being read
        cache.Add("hash", entry, generation);

        Assert.Null(cache.Find("hash", now));
        cache.Add("hash", entry, cache.Generation);
        Assert.Same(entry, cache.Find("hash", now));
    }

    /// <summary>A client with a new token of the bootstrap admin's (or the given one), on the portal started on Kestrel; no command counted yet.</summary>
    private async Task<HttpClient> TokenClientAsync(string scope, string? token = null)
    {
        var admin = Admin;
        token ??= (await admin.CreateTokenAsync("ci", scope)).Token;
        _app.TokenCommands.Clear();
        return _app.CreateClientWithToken(token);
    }

    /// <summary>The token authenticates, and a request after that asks the database nothing about it: it is cached.</summary>
    private async Task AssertCachedAsync(HttpClient client)
    {
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/clusters", Ct)).StatusCode);
        _app.TokenCommands.Clear();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/clusters", Ct)).StatusCode);
        Assert.Empty(_app.TokenCommands.All);
    }

    private async Task<OidcSignInResult> SignInAsync(string[] groups)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var identity = new ExternalIdentity("https://idp.example.test/", "gina", "gina@idp.test", true, null, groups);
        return await scope.ServiceProvider.GetRequiredService<OidcAccounts>().SignInAsync(identity, new ClientInfo("127.0.0.1", "test"), Ct);
    }

    /// <summary>The portal with a clock the test moves forward, and the database commands on tokens and roles recorded.</summary>
    private sealed class CountingPortal : PortalAppFactory
    {
        public MovableClock Clock { get; } = new();
        public TokenCommandLog TokenCommands { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services =>
            {
                services.AddSingleton<TimeProvider>(Clock);
                services.ConfigureDbContext<PortalDbContext>((_, options) => options.AddInterceptors(TokenCommands), ServiceLifetime.Singleton);
            });
        }
    }

    /// <summary>The real clock, plus however far the test moved it; timers stay real.</summary>
    private sealed class MovableClock : TimeProvider
    {
        private long _offsetTicks;
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));
        public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
    }

    /// <summary>
    /// Commands that read or write tokens or role memberships: what authenticating a token asks the database.
    /// The worker and the endpoints' own reads touch neither table, so they are not counted.
    /// </summary>
    private sealed class TokenCommandLog : DbCommandInterceptor
    {
        private readonly ConcurrentQueue<string> _commands = new();

        public IReadOnlyList<string> All => _commands.Where(c => c.Contains("\"PersonalAccessTokens\"") || c.Contains("\"AspNetUserRoles\"")).ToList();
        public IReadOnlyList<string> Lookups => All.Where(c => c.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase)).ToList();
        public IReadOnlyList<string> LastUsedWrites => All.Where(c => c.TrimStart().StartsWith("UPDATE", StringComparison.OrdinalIgnoreCase) && c.Contains("\"LastUsedAt\"")).ToList();

        public void Clear() => _commands.Clear();

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            _commands.Enqueue(command.CommandText);
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            _commands.Enqueue(command.CommandText);
            return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
        {
            _commands.Enqueue(command.CommandText);
            return base.ScalarExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}
