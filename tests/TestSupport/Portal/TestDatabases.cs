using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Npgsql;
using Portal.Data;

namespace TestSupport.Portal;

/// <summary>
/// Which database the tests' portals use, and the throwaway PostgreSQL server .ci/run starts.
/// <c>PORTAL_TEST_PROVIDER=PostgreSQL</c> runs the in-process portals (API and worker tests) on PostgreSQL, each on a
/// database of its own; <c>PORTAL_TEST_POSTGRES</c> is the server's connection string without a database
/// (<c>Host=127.0.0.1;Port=…;Username=…</c>). Without that server, tests that need it skip locally and fail under CI=true.
/// </summary>
public static class TestDatabases
{
    public const string ServerVariable = "PORTAL_TEST_POSTGRES", ProviderVariable = "PORTAL_TEST_PROVIDER";

    /// <summary>The provider in-process portals use when a test names none.</summary>
    public static DatabaseProvider DefaultProvider { get; } =
        Environment.GetEnvironmentVariable(ProviderVariable) is { Length: > 0 } name
            ? Enum.Parse<DatabaseProvider>(name, ignoreCase: true)
            : DatabaseProvider.Sqlite;

    public static string? Server { get; } = Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } server ? server : null;

    /// <summary>Skips the test when no server is configured, except in CI, where a missing server is a failure.</summary>
    public static string RequireServer()
    {
        if (Server is { } server) return server;
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Assert.Fail($"CI=true but {ServerVariable} is not set: .ci/run starts a PostgreSQL server for these tests.");
        Assert.Skip($"{ServerVariable} is not set: no PostgreSQL server to test against (.ci/run starts one).");
        return null!;
    }

    /// <summary>
    /// The connection string of a database named after <paramref name="owner"/> (a test's data folder), created when
    /// missing: a portal restarted on the same folder finds its database again.
    /// </summary>
    public static string PostgreSqlDatabase(string owner)
    {
        var server = RequireServer();
        var name = "portal_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(owner)))[..24];
        using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString);
        admin.Open();
        using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", admin))
        {
            exists.Parameters.AddWithValue("name", name);
            if (exists.ExecuteScalar() is null)
                using (var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin)) create.ExecuteNonQuery();
        }
        // A pool as docs/scaling.md advises for a replica: tests that run side by side stay within the server's connections.
        return new NpgsqlConnectionStringBuilder(server) { Database = name, MaxPoolSize = 30 }.ConnectionString;
    }

    /// <summary>
    /// The settings of a portal on <paramref name="connectionString"/>: the provider, the database, and the certificate
    /// that encrypts its Data Protection keys, one for the whole test run as one is for all the replicas of a fleet.
    /// </summary>
    public static IReadOnlyDictionary<string, string> PostgreSqlSettings(string connectionString) => new Dictionary<string, string>
    {
        [PortalDataLocation.ProviderKey] = nameof(DatabaseProvider.PostgreSQL),
        ["ConnectionStrings:Portal"] = connectionString,
        ["DataProtection:CertificatePath"] = KeyCertificate.Value,
        ["DataProtection:CertificatePassword"] = KeyCertificatePassword,
    };

    private const string KeyCertificatePassword = "test key-ring certificate 2026";

    /// <summary>A self-signed RSA certificate with its private key, written once as a PKCS#12 file the portals read.</summary>
    private static readonly Lazy<string> KeyCertificate = new(() =>
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=Portal test key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var path = Path.Combine(Directory.CreateTempSubdirectory("portal-test-keyring-").FullName, "keyring.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, KeyCertificatePassword));
        return path;
    });

    /// <summary>Drops a database <see cref="PostgreSqlDatabase"/> created, closing what still uses it.</summary>
    public static void DropPostgreSqlDatabase(string connectionString)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        using (var pooled = new NpgsqlConnection(connectionString)) NpgsqlConnection.ClearPool(pooled);
        using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false }.ConnectionString);
        admin.Open();
        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin);
        drop.ExecuteNonQuery();
    }
}
