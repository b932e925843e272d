using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Data;

namespace TestSupport.Portal;

/// <summary>
/// The real portal in-process, on its own SQLite file in a fresh folder, or on a PostgreSQL database of its own
/// (<see cref="TestDatabases"/>: <c>PORTAL_TEST_PROVIDER</c>). The simulated engine is instant unless a test asks
/// otherwise. Settings are the same keys an operator would set.
/// </summary>
public class PortalAppFactory : WebApplicationFactory<Program>
{
    /// <param name="dataDirectory">Reuse another instance's folder, e.g. to restart the portal on the same database.</param>
    /// <param name="provider">The database; by default the one the test run names (SQLite unless <c>PORTAL_TEST_PROVIDER</c> says otherwise).</param>
    public PortalAppFactory(string? dataDirectory = null, DatabaseProvider? provider = null)
    {
        DataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("portal-test-").FullName;
        _ownsDirectory = dataDirectory is null;
        Provider = provider ?? TestDatabases.DefaultProvider;
        // Named after the folder, so a portal restarted on the same folder finds the same database.
        if (Provider == DatabaseProvider.PostgreSQL) _postgreSql = TestDatabases.PostgreSqlDatabase(DataDirectory);
    }

    private readonly bool _ownsDirectory;
    private readonly string? _postgreSql;

    public string DataDirectory { get; }

    public DatabaseProvider Provider { get; }

    /// <summary>What <c>ConnectionStrings:Portal</c> is for this portal.</summary>
    public string ConnectionString => _postgreSql ?? $"Data Source={DatabasePath}";

    public string DatabasePath => Path.Combine(DataDirectory, "portal.db");

    public const string AdminEmail = "admin@portal.test", AdminPassword = "Admin-password-2026";

    /// <summary>The bootstrap admin's token, with every scope: how automation sets up a fresh portal.</summary>
    public const string AdminToken = "pat_TestBootstrapAdminToken0123456789abcdefghij";

    /// <summary>The team clusters land in when a test names none; created on first use of <see cref="CreateApiClient"/>.</summary>
    public const string DefaultTeam = "platform";

    /// <summary>Configuration overrides, applied over the repository's appsettings.json.</summary>
    public Dictionary<string, string?> Settings { get; } = new()
    {
        ["Provisioning:Simulated:TimeScale"] = "0",
        // A degraded Consul is reported within a second, not after minutes of retries.
        ["Health:VerifyTimeout"] = "00:00:00.500",
        ["Health:VerifyRetryInterval"] = "00:00:00.100",
        ["Deployments:PollInterval"] = "00:00:00.200",
        // The address the OpenAPI document names as its server (clients/openapi.json is the served document).
        ["Api:PublicUrl"] = "https://portal.test",
    };

    /// <summary>An API client authenticated as the bootstrap admin, with the default team in place.</summary>
    public HttpClient CreateApiClient()
    {
        var client = CreateDefaultClient(new BearerTokenHandler(AdminToken), ContractHandler());
        if (!_teamCreated)
        {
            var response = client.PostAsJsonAsync("/api/v1/teams", new { name = DefaultTeam, displayName = "Platform" }).GetAwaiter().GetResult();
            Assert.True(response.IsSuccessStatusCode || response.StatusCode == System.Net.HttpStatusCode.Conflict, $"Creating the default team answered {(int)response.StatusCode}");
            _teamCreated = true;
        }
        return client;
    }

    /// <summary>A client of the portal whose API answers are held to the served OpenAPI document.</summary>
    public new HttpClient CreateClient() => CreateClient(new WebApplicationFactoryClientOptions());

    /// <inheritdoc cref="CreateClient()"/>
    public new HttpClient CreateClient(WebApplicationFactoryClientOptions options)
    {
        var handlers = new List<DelegatingHandler>();
        if (options.AllowAutoRedirect) handlers.Add(new Microsoft.AspNetCore.Mvc.Testing.Handlers.RedirectHandler(options.MaxAutomaticRedirections));
        if (options.HandleCookies) handlers.Add(new Microsoft.AspNetCore.Mvc.Testing.Handlers.CookieContainerHandler());
        handlers.Add(ContractHandler()); // innermost: each answer as the portal gave it, before redirects are followed
        // Without a base address of its own the client gets the factory's: Kestrel's, once the portal runs on it.
        var client = CreateDefaultClient([.. handlers]);
        if (options.BaseAddress != new WebApplicationFactoryClientOptions().BaseAddress) client.BaseAddress = options.BaseAddress;
        return client;
    }

    /// <summary>Checks every API response against the served document (<see cref="OpenApiContract"/>), read once.</summary>
    public OpenApiValidatingHandler ContractHandler() => new(async (server, url) =>
    {
        if (_contract is null)
        {
            // As the admin: an anonymous read would count against the per-address limit that tests of it measure.
            using var request = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { Authorization = new("Bearer", AdminToken) } };
            using var response = await server.SendAsync(request, CancellationToken.None);
            response.EnsureSuccessStatusCode();
            _contract = OpenApiContract.Parse(await response.Content.ReadAsStringAsync());
        }
        return _contract;
    });

    private OpenApiContract? _contract;

    /// <summary>An API client with the given bearer token (or none).</summary>
    public HttpClient CreateClientWithToken(string? token)
    {
        var client = CreateClient();
        if (token is not null) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private bool _teamCreated;

    /// <summary>The portal's clock when a test sets one (e.g. a FakeTimeProvider it moves); the system clock otherwise.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>Every log line of the portal, at every level, from its start on.</summary>
    public CapturingLoggerProvider Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in TestCredentials.BootstrapSettings) builder.UseSetting(key, value);
        // Every level of every category, whatever the configured filters: a capture must not miss a line.
        builder.ConfigureLogging(logging => logging.AddProvider(Logs).AddFilter<CapturingLoggerProvider>(null, LogLevel.Trace));
        builder.UseSetting(PortalDataLocation.ProviderKey, Provider.ToString());
        builder.UseSetting("ConnectionStrings:Portal", ConnectionString);
        if (_postgreSql is not null)
            foreach (var (key, value) in TestDatabases.PostgreSqlSettings(_postgreSql)) builder.UseSetting(key, value);
        builder.UseSetting("Database:DataDirectory", DataDirectory); // the engines' local state, on PostgreSQL too
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
        if (Time is { } time) builder.ConfigureTestServices(services => services.AddSingleton(time));
        if (FakeSsm is { } ssm)
            // The health check signs its requests like the real SDK does, with credentials the stand-in accepts.
            builder.ConfigureTestServices(services => services.AddSingleton(sp => new Provisioning.Pulumi.SsmConsulProbe(
                sp.GetRequiredService<Provisioning.Pulumi.PulumiOptions>().Ssm, awsProfile: null, sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<Provisioning.Pulumi.SsmConsulProbe>>(), FakeSsmCredentials)));
    }

    /// <summary>The Systems Manager stand-in the Pulumi engine's Consul health check asks, once <see cref="UseFakePulumi"/> started it.</summary>
    public global::FakeSsm.FakeSsmServer? FakeSsm { get; private set; }

    private static readonly Amazon.Runtime.BasicAWSCredentials FakeSsmCredentials = new("AKIDFAKESSMPORTALTEST", "fake/secret/key/for/the/ssm/stand-in");

    /// <summary>
    /// Deploys with the Pulumi engine driving the fake CLI (tests/FakePulumi, which the test project
    /// must build), its state and work folders under <see cref="DataDirectory"/>.
    /// </summary>
    /// <param name="stepDelay">How long each resource step of the fake takes: enough to watch progress.</param>
    /// <param name="environment">More variables for every CLI run (Provisioning:Pulumi:Environment).</param>
    public void UseFakePulumi(TimeSpan stepDelay, IReadOnlyDictionary<string, string>? environment = null)
    {
        Settings["Provisioning:Engine"] = "Pulumi";
        Settings["Provisioning:Pulumi:CliPath"] = FakePulumiCli.Path;
        Settings["Provisioning:Pulumi:Passphrase"] = PulumiPassphrase;
        Settings[$"Provisioning:Pulumi:Environment:{FakePulumiCli.StepDelayVariable}"] =
            ((int)stepDelay.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            Settings[$"Provisioning:Pulumi:Environment:{name}"] = value;
        // Consul is verified through Systems Manager after every up: a stand-in whose servers are healthy by default.
        FakeSsm ??= global::FakeSsm.FakeSsmServer.StartAsync().GetAwaiter().GetResult();
        Settings["Provisioning:Pulumi:Ssm:ServiceUrl"] = FakeSsm.Url.ToString();
        Settings["Provisioning:Pulumi:Ssm:PollInterval"] = "00:00:00.200";
    }

    /// <summary>The stacks' passphrase <see cref="UseFakePulumi"/> sets: a secret that must show up nowhere.</summary>
    public const string PulumiPassphrase = "portal-test-passphrase 9d2c41e7b0";

    /// <summary>Keep the folder after disposal, so another instance can start on it.</summary>
    public bool KeepData { get; set; }

    /// <summary>The token API tests authenticate with: the bootstrap admin's.</summary>
    public const string ApiToken = AdminToken;

    /// <summary>Starts the portal on Kestrel at a free local port (for clients outside the process) and returns its base URL.</summary>
    public string StartOnKestrel()
    {
        UseKestrel(0);
        StartServer();
        return Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses
            .First().Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1").TrimEnd('/');
    }

    /// <summary>Options for a context of this portal's database made outside its services, e.g. with an interceptor of the test's.</summary>
    public DbContextOptionsBuilder<PortalDbContext> NewContextOptions() => ContextOptionsFor(DataDirectory, Provider);

    /// <summary>Options for the database of the portal whose folder is <paramref name="dataDirectory"/>, while no portal runs on it.</summary>
    public static DbContextOptionsBuilder<PortalDbContext> ContextOptionsFor(string dataDirectory, DatabaseProvider provider) =>
        provider == DatabaseProvider.PostgreSQL
            ? new DbContextOptionsBuilder<PortalDbContext>().UseNpgsql(TestDatabases.PostgreSqlDatabase(dataDirectory))
            : new DbContextOptionsBuilder<PortalDbContext>().UseSqlite($"Data Source={Path.Combine(dataDirectory, "portal.db")}");

    public PortalDbContext CreateDbContext() =>
        Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (FakeSsm is not null) await FakeSsm.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (_ownsDirectory && !KeepData)
        {
            try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
            if (_postgreSql is not null) TestDatabases.DropPostgreSqlDatabase(_postgreSql);
        }
        GC.SuppressFinalize(this);
    }
}
