using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Portal.Data;

/// <summary>
/// The certificate that encrypts the Data Protection keys stored in a PostgreSQL database (<c>DataProtection:CertificatePath</c>,
/// a PKCS#12 file with its private key, and <c>DataProtection:CertificatePassword</c>). Every replica loads the same file:
/// whoever reads the table without it holds only encrypted keys. Required on PostgreSQL; checked at start-up.
/// </summary>
internal static class KeyCertificate
{
    public const string PathKey = "DataProtection:CertificatePath", PasswordKey = "DataProtection:CertificatePassword";

    /// <exception cref="InvalidOperationException">No certificate configured, or one that cannot be read or decrypt, named.</exception>
    public static X509Certificate2 Load(IConfiguration configuration)
    {
        var path = configuration[PathKey];
        if (string.IsNullOrWhiteSpace(path))
            throw new InvalidOperationException(
                $"{PathKey} is not set: on PostgreSQL the Data Protection keys live in the database, encrypted with this certificate (a .pfx with its private key, the same on every replica; docs/scaling.md).");
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, configuration[PasswordKey]);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"{PathKey} '{path}' cannot be read as a PKCS#12 certificate with {PasswordKey}: {ex.Message}", ex);
        }
        using var privateKey = certificate.GetRSAPrivateKey();
        if (privateKey is null)
            throw new InvalidOperationException($"{PathKey} '{path}' has no RSA private key: the replicas could encrypt keys but never decrypt them.");
        return certificate;
    }
}
