using System.Net;
using Portal.Data;
using TestSupport.Portal;

namespace Portal.Tests.Data;

/// <summary>
/// <c>Database:Provider</c> and <c>ConnectionStrings:Portal</c> are checked at start-up: a wrong provider or an
/// unreachable PostgreSQL server stops the portal with a message naming it, never a portal that answers 500.
/// </summary>
public sealed class DatabaseStartupTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("Postgres")]
    [InlineData("1")]
    [InlineData("SqlServer")]
    public async Task Startup_UnknownProvider_FailsNamingTheKeyAndTheValue(string provider)
    {
        await using var app = new PortalAppFactory(provider: DatabaseProvider.Sqlite);
        app.Settings[PortalDataLocation.ProviderKey] = provider;

        var message = StartupFailure(app);

        Assert.Contains("Database:Provider", message);
        Assert.Contains($"'{provider}'", message);
        Assert.Contains("PostgreSQL", message);
    }

    [Fact]
    public async Task Startup_PostgreSqlServerNotListening_FailsNamingTheServerWithoutThePassword()
    {
        await using var app = PostgreSqlPortal("Host=127.0.0.1;Port=9;Database=portal_missing;Username=portal;Password=Not-in-any-message-77");

        var message = StartupFailure(app);

        Assert.Contains("'portal_missing' on 127.0.0.1:9 cannot be reached", message);
        Assert.DoesNotContain("Not-in-any-message-77", message);
    }

    [Fact]
    public async Task Startup_PostgreSqlWithoutKeyCertificate_FailsNamingTheKey()
    {
        await using var app = PostgreSqlPortal("Host=127.0.0.1;Port=9;Database=portal_missing;Username=portal");
        app.Settings["DataProtection:CertificatePath"] = null;

        var message = StartupFailure(app);

        Assert.Contains("DataProtection:CertificatePath is not set", message);
    }

    [Fact]
    public async Task Startup_PostgreSqlConnectionStringOfSqliteForm_FailsNamingTheForm()
    {
        await using var app = PostgreSqlPortal("Data Source=portal.db");

        var message = StartupFailure(app);

        Assert.Contains("ConnectionStrings:Portal", message);
        Assert.Contains("Npgsql", message);
    }

    [Fact]
    public async Task Startup_PostgreSql_MigratesAndAnswersReady()
    {
        await using var app = new PortalAppFactory(provider: DatabaseProvider.PostgreSQL);
        using var http = app.CreateClient();

        var ready = await http.GetAsync("/health/ready", Ct);

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        await using var db = app.CreateDbContext();
        Assert.IsType<PostgreSqlPortalDbContext>(db);
    }

    [Fact]
    public async Task Backup_OnPostgreSql_Answers409NamingPgDump()
    {
        await using var app = new PortalAppFactory(provider: DatabaseProvider.PostgreSQL);
        app.Settings["Backup:Passphrase"] = "a backup passphrase 2026";
        using var http = app.CreateApiClient();

        var response = await http.PostAsync("/api/v1/admin/backup", null, Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("pg_dump", await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>
    /// A portal configured for PostgreSQL on <paramref name="connectionString"/>, every other setting right. Port 9 (discard)
    /// has no server on a test machine: a connection there is refused at once.
    /// </summary>
    private static PortalAppFactory PostgreSqlPortal(string connectionString)
    {
        var app = new PortalAppFactory(provider: DatabaseProvider.Sqlite);
        foreach (var (key, value) in TestDatabases.PostgreSqlSettings(connectionString)) app.Settings[key] = value;
        return app;
    }

    /// <summary>Starts the host, expecting it to refuse; the message is what the operator reads.</summary>
    private static string StartupFailure(PortalAppFactory app)
    {
        var error = Assert.ThrowsAny<Exception>(() => app.Services);
        TestContext.Current.TestOutputHelper?.WriteLine($"{error.GetType().Name}: {error.Message}");
        return error.Message;
    }
}
