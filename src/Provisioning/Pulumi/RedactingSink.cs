using Provisioning.Engines;

namespace Provisioning.Pulumi;

/// <summary>
/// A last guard: whatever a provider or the CLI echoes, the passphrase and the gossip key never
/// reach an event (events are stored and shown to users).
/// </summary>
internal sealed class RedactingSink(IDeploymentEventSink inner, IReadOnlyList<string> secrets) : IDeploymentEventSink
{
    public ValueTask EmitAsync(EngineEvent engineEvent, CancellationToken cancellationToken = default) =>
        inner.EmitAsync(engineEvent with { Message = Redact(engineEvent.Message, secrets) }, cancellationToken);

    public static string Redact(string text, IReadOnlyList<string> secrets)
    {
        foreach (var secret in secrets)
            if (!string.IsNullOrEmpty(secret)) text = text.Replace(secret, "[secret]", StringComparison.Ordinal);
        return text;
    }
}
