using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Provisioning.Security;

/// <summary>
/// Every secret one cluster needs (consul-topology.md, "Secrets the portal generates per cluster").
/// The portal generates them once, keeps them encrypted and hands them to the engine, which passes
/// them to Pulumi as secret configuration; the agents read them from SSM at boot.
/// </summary>
/// <param name="CaCertificatePem">Public: every agent trusts it, and teams download it.</param>
/// <param name="CaKeyPem">Signs the servers' certificates at boot; only servers may read it.</param>
/// <param name="ManagementToken">Consul's initial management token; revealed to owners through an audited action only.</param>
public sealed record ClusterSecrets(
    string GossipKey,
    string CaCertificatePem,
    string CaKeyPem,
    string ManagementToken,
    string AgentToken,
    string ReplicationToken,
    string DnsToken,
    string HealthToken)
{
    /// <summary>How long the cluster CA is valid; Consul's own <c>consul tls ca create</c> also defaults to five years.</summary>
    public static readonly TimeSpan CaLifetime = TimeSpan.FromDays(5 * 365);

    /// <summary>A fresh set: a random gossip key, a new ECDSA P-256 CA and UUID v4 tokens.</summary>
    public static ClusterSecrets Generate(string clusterName, DateTimeOffset now, string? gossipKey = null)
    {
        var (certificate, key) = CreateCertificateAuthority(clusterName, now);
        return new ClusterSecrets(
            gossipKey ?? Security.GossipKey.Generate(), certificate, key,
            Token(), Token(), Token(), Token(), Token());
    }

    /// <summary>Every value that must never leave the portal unencrypted; the CA certificate is public.</summary>
    public IReadOnlyList<string> Confidential =>
        [GossipKey, CaKeyPem, ManagementToken, AgentToken, ReplicationToken, DnsToken, HealthToken, .. PemBody(CaKeyPem)];

    /// <summary>The value of a stack configuration key (<see cref="SecretConfig"/>).</summary>
    public string ConfigValue(string configKey) => configKey switch
    {
        SecretConfig.GossipKey => GossipKey,
        SecretConfig.CaCertificate => CaCertificatePem,
        SecretConfig.CaKey => CaKeyPem,
        SecretConfig.ManagementToken => ManagementToken,
        SecretConfig.AgentToken => AgentToken,
        SecretConfig.ReplicationToken => ReplicationToken,
        SecretConfig.DnsToken => DnsToken,
        SecretConfig.HealthToken => HealthToken,
        _ => throw new ArgumentOutOfRangeException(nameof(configKey), configKey, "Not a configuration key of the cluster's secrets."),
    };

    /// <summary>A Consul ACL SecretID: Consul expects a UUID, and v4 is random.</summary>
    private static string Token() => Guid.NewGuid().ToString();

    private static (string CertificatePem, string KeyPem) CreateCertificateAuthority(string clusterName, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=Consul CA {clusterName}, O=Consul Portal", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        // Backdated a little so that a node whose clock runs slightly behind still accepts it.
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now + CaLifetime);
        // SEC 1 ("EC PRIVATE KEY"), the form `consul tls ca create` writes and `consul tls cert create -key` reads.
        return (certificate.ExportCertificatePem() + "\n", key.ExportECPrivateKeyPem() + "\n");
    }

    /// <summary>The base64 lines of a PEM block: a log line could carry one without the armour.</summary>
    private static IEnumerable<string> PemBody(string pem) =>
        pem.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith("-----", StringComparison.Ordinal) && line.Length >= 16);
}

/// <summary>The stack configuration keys under which the program refers to the cluster's secrets.</summary>
public static class SecretConfig
{
    public const string
        GossipKey = "gossipKey",
        CaCertificate = "caCertificate",
        CaKey = "caKey",
        ManagementToken = "managementToken",
        AgentToken = "agentToken",
        ReplicationToken = "replicationToken",
        DnsToken = "dnsToken",
        HealthToken = "healthToken";
}
