using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Provisioning.Security;

namespace Portal.Engines;

/// <summary>
/// Keeps each cluster's secrets (gossip key, CA, ACL tokens) encrypted at rest with Data Protection:
/// the database alone never reveals them.
/// </summary>
public sealed class ClusterSecretStore(IDataProtectionProvider provider, IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Portal.Clusters.Secrets.v1");

    /// <summary>Clusters created before every cluster was hardened stored only their gossip key, under this purpose.</summary>
    private readonly IDataProtector _legacyGossipKey = provider.CreateProtector("Portal.Clusters.GossipKey.v1");

    public ClusterSecrets Generate(string clusterName) => ClusterSecrets.Generate(clusterName, time.GetUtcNow());

    public string Protect(ClusterSecrets secrets) => _protector.Protect(JsonSerializer.Serialize(secrets));

    public ClusterSecrets Unprotect(string protectedSecrets) =>
        JsonSerializer.Deserialize<ClusterSecrets>(_protector.Unprotect(protectedSecrets))
        ?? throw new CryptographicException("The stored secrets are empty.");

    /// <summary>
    /// The cluster's secrets. A cluster from before hardening keeps its gossip key and gets the rest
    /// now, stored at once, so that every later read (its next deployment, a reveal) sees the same set.
    /// </summary>
    public async Task<ClusterSecrets> ForAsync(Cluster cluster, CancellationToken cancellationToken)
    {
        try
        {
            return Unprotect(cluster.ProtectedSecrets);
        }
        catch (CryptographicException)
        {
            var gossipKey = _legacyGossipKey.Unprotect(cluster.ProtectedSecrets);
            var secrets = ClusterSecrets.Generate(cluster.Name, time.GetUtcNow(), gossipKey);
            var protectedSecrets = Protect(secrets);
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            // Only the first upgrade wins; a concurrent reader then uses what that one stored.
            var stored = await db.Clusters
                .Where(c => c.Id == cluster.Id && c.ProtectedSecrets == cluster.ProtectedSecrets)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.ProtectedSecrets, protectedSecrets), cancellationToken);
            if (stored == 1)
            {
                cluster.ProtectedSecrets = protectedSecrets;
                return secrets;
            }
            cluster.ProtectedSecrets = await db.Clusters.Where(c => c.Id == cluster.Id).Select(c => c.ProtectedSecrets).SingleAsync(cancellationToken);
            return Unprotect(cluster.ProtectedSecrets);
        }
    }
}
