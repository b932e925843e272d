using Provisioning.Engines;
using Provisioning.Security;

namespace Provisioning.Pulumi;

/// <summary>
/// A last guard: whatever a provider or the CLI echoes, the passphrase and the gossip key never
/// reach an event (events are stored and shown to users).
/// </summary>
internal sealed class RedactingSink(IDeploymentEventSink inner, IReadOnlyList<string> secrets) : IDeploymentEventSink
{
    public ValueTask EmitAsync(EngineEvent engineEvent, CancellationToken cancellationToken = default) =>
        inner.EmitAsync(engineEvent with { Message = SecretRedaction.Redact(engineEvent.Message, secrets) }, cancellationToken);
}
