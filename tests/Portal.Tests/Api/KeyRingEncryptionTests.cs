using Portal.Backup;

namespace Portal.Tests.Api;

public sealed class KeyRingEncryptionTests
{
    private static readonly KeyRingEncryption.KeyFile[] Keys = [new("key-1.xml", "<key><value>c2VjcmV0</value></key>"), new("key-2.xml", "<key/>")];

    [Fact]
    public void KeyRing_RightPassphrase_DecryptsWhatWasEncrypted()
    {
        var sealedBytes = KeyRingEncryption.Encrypt(Keys, "a passphrase of some length");

        Assert.Equal(Keys, KeyRingEncryption.Decrypt(sealedBytes, "a passphrase of some length"));
    }

    [Fact]
    public void KeyRing_WrongPassphraseOrAnyChangedByte_IsRefusedNamingThePassphrase()
    {
        var sealedBytes = KeyRingEncryption.Encrypt(Keys, "a passphrase of some length");

        Assert.Contains("Backup:Passphrase", Assert.Throws<InvalidDataException>(() => KeyRingEncryption.Decrypt(sealedBytes, "another passphrase, as long")).Message);
        foreach (var offset in new[] { 10, 30, 40, sealedBytes.Length - 1 }) // salt, nonce, tag, ciphertext
        {
            var changed = sealedBytes.ToArray();
            changed[offset] ^= 1;
            Assert.Throws<InvalidDataException>(() => KeyRingEncryption.Decrypt(changed, "a passphrase of some length"));
        }
    }
}
