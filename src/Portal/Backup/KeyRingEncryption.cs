using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Portal.Backup;

/// <summary>
/// The Data Protection key files of a backup, encrypted with <c>Backup:Passphrase</c>: PBKDF2-HMAC-SHA256
/// derives a 256-bit key from the passphrase and a random salt, AES-GCM encrypts the files (as JSON) under a
/// random nonce and authenticates the header with them. Layout: <c>PKR1</c> | iterations (uint32, big-endian) |
/// salt (16) | nonce (12) | tag (16) | ciphertext. A wrong passphrase or a changed byte fails the tag check.
/// </summary>
public static class KeyRingEncryption
{
    public sealed record KeyFile(string Name, string Xml);

    /// <summary>OWASP's 2023 figure for PBKDF2-HMAC-SHA256; stored in the header, so a later change still reads old backups.</summary>
    public const int Iterations = 600_000;

    private const int MinIterations = 100_000, MaxIterations = 10_000_000, SaltSize = 16, HeaderSize = 4 + 4 + SaltSize + 12;
    private static ReadOnlySpan<byte> Magic => "PKR1"u8;

    public static byte[] Encrypt(IReadOnlyList<KeyFile> files, string passphrase)
    {
        var plaintext = JsonSerializer.SerializeToUtf8Bytes(files);
        var sealedBytes = new byte[HeaderSize + AesGcm.TagByteSizes.MaxSize + plaintext.Length];
        var header = sealedBytes.AsSpan(0, HeaderSize);
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], Iterations);
        RandomNumberGenerator.Fill(header[8..]); // salt and nonce
        using var aes = new AesGcm(Key(passphrase, header.Slice(8, SaltSize), Iterations), AesGcm.TagByteSizes.MaxSize);
        aes.Encrypt(Nonce(header), plaintext, sealedBytes.AsSpan(HeaderSize + AesGcm.TagByteSizes.MaxSize), Tag(sealedBytes), header);
        return sealedBytes;
    }

    /// <exception cref="InvalidDataException">Not a key ring, or the passphrase does not decrypt it.</exception>
    public static IReadOnlyList<KeyFile> Decrypt(byte[] sealedBytes, string passphrase)
    {
        if (sealedBytes.Length < HeaderSize + AesGcm.TagByteSizes.MaxSize || !sealedBytes.AsSpan(0, 4).SequenceEqual(Magic))
            throw new InvalidDataException("The backup's key ring is not in a format this portal reads.");
        var header = sealedBytes.AsSpan(0, HeaderSize);
        var iterations = BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
        if (iterations is < MinIterations or > MaxIterations)
            throw new InvalidDataException($"The backup's key ring claims {iterations} key derivation iterations, outside {MinIterations}–{MaxIterations}.");
        var plaintext = new byte[sealedBytes.Length - HeaderSize - AesGcm.TagByteSizes.MaxSize];
        try
        {
            using var aes = new AesGcm(Key(passphrase, header.Slice(8, SaltSize), (int)iterations), AesGcm.TagByteSizes.MaxSize);
            aes.Decrypt(Nonce(header), sealedBytes.AsSpan(HeaderSize + AesGcm.TagByteSizes.MaxSize), Tag(sealedBytes), plaintext, header);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new InvalidDataException("Backup:Passphrase does not decrypt this backup's key ring (a different passphrase, or a damaged file).");
        }
        return JsonSerializer.Deserialize<List<KeyFile>>(plaintext)
            ?? throw new InvalidDataException("The backup's key ring is empty.");
    }

    private static byte[] Key(string passphrase, ReadOnlySpan<byte> salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(passphrase), salt, iterations, HashAlgorithmName.SHA256, 32);

    private static ReadOnlySpan<byte> Nonce(ReadOnlySpan<byte> header) => header[(8 + SaltSize)..];

    private static Span<byte> Tag(byte[] sealedBytes) => sealedBytes.AsSpan(HeaderSize, AesGcm.TagByteSizes.MaxSize);
}
