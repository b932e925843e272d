namespace Provisioning.Security;

/// <summary>
/// The one way secrets are blanked out of text that is stored, logged or shown: a last guard for whatever a
/// provider, the CLI or an engine echoes.
/// </summary>
public static class SecretRedaction
{
    public const string Placeholder = "[secret]";

    /// <summary><paramref name="text"/> with every occurrence of every non-empty secret replaced by <see cref="Placeholder"/>.</summary>
    public static string Redact(string text, IEnumerable<string?> secrets)
    {
        foreach (var secret in secrets)
            if (!string.IsNullOrEmpty(secret)) text = text.Replace(secret, Placeholder, StringComparison.Ordinal);
        return text;
    }
}
