using System.Text.Encodings.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Clusters;
using Portal.Engines;
using Provisioning.Security;

namespace TestSupport.Portal;

/// <summary>
/// Proves that secrets appear nowhere a person or client can read: a cluster's stored secrets, read as
/// the portal reads them, and a search of every place for every form a leak could take.
/// </summary>
public static class SecretScan
{
    /// <summary>The secrets the portal stored for <paramref name="cluster"/> (its newest one of that name).</summary>
    public static async Task<ClusterSecrets> SecretsOfAsync(this PortalAppFactory app, string cluster)
    {
        await using var db = app.CreateDbContext();
        var row = await db.Clusters.Where(c => c.Name == cluster).OrderByDescending(c => c.CreatedAt).FirstAsync(Xunit.TestContext.Current.CancellationToken);
        var secrets = app.Services.GetRequiredService<ClusterSecretStore>().Unprotect(row.ProtectedSecrets);
        Assert.Equal(44, secrets.GossipKey.Length); // 32 bytes, base64: a search would prove nothing with an empty key
        return secrets;
    }

    /// <summary>Every confidential value of the set, each with what it is, for the failure message.</summary>
    public static IEnumerable<(string What, string Secret)> Named(ClusterSecrets secrets)
    {
        var names = new Dictionary<string, string>
        {
            [secrets.GossipKey] = "gossip key",
            [secrets.CaKeyPem] = "CA key",
            [secrets.ManagementToken] = "management token",
            [secrets.AgentToken] = "agent token",
            [secrets.ReplicationToken] = "replication token",
            [secrets.DnsToken] = "DNS token",
            [secrets.HealthToken] = "health token",
        };
        return secrets.Confidential.Select(value => (names.GetValueOrDefault(value, "a line of the CA key"), value));
    }

    /// <summary>Fails naming each secret found, in any of its forms, and every place it was found in.</summary>
    public static void AssertAbsent(IEnumerable<(string What, string Secret)> secrets, IReadOnlyCollection<(string Where, string Text)> places)
    {
        Assert.NotEmpty(places);
        var leaks = (from secret in secrets
                     let found = places.Where(p => Encodings(secret.Secret).Any(form => p.Text.Contains(form, StringComparison.Ordinal))).Select(p => p.Where).ToList()
                     where found.Count > 0
                     select $"The {secret.What} appears in {string.Join(", ", found)}.").ToList();
        Assert.True(leaks.Count == 0, string.Join("\n", leaks));
    }

    /// <summary>A secret as it would appear raw, in JSON and in HTML (base64's '+' and '/' are escaped there).</summary>
    private static IEnumerable<string> Encodings(string secret) =>
        new[] { secret, JavaScriptEncoder.Default.Encode(secret), HtmlEncoder.Default.Encode(secret) }.Distinct();
}
