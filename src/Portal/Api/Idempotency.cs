namespace Portal.Api;

/// <summary>Marks an endpoint whose effect an <c>Idempotency-Key</c> header makes safe to retry.</summary>
public sealed class IdempotentEndpoint
{
    public static readonly IdempotentEndpoint Instance = new();
    private IdempotentEndpoint() { }
}

public static class IdempotencyEndpointExtensions
{
    /// <summary>The same key with the same request replays the first response for 24 hours.</summary>
    public static TBuilder Idempotent<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(IdempotentEndpoint.Instance);
}

/// <summary>The <c>Idempotency-Key</c> contract, shared by the OpenAPI document and the middleware that keeps it.</summary>
public static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxKeyLength = 255;
}
