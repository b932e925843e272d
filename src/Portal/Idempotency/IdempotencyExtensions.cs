namespace Portal.Idempotency;

public static class IdempotencyExtensions
{
    /// <summary>
    /// Keeps the <c>Idempotency-Key</c> promise of the endpoints marked <see cref="Api.IdempotencyEndpointExtensions.Idempotent"/>.
    /// After authentication: keys are per caller.
    /// </summary>
    public static WebApplication UseIdempotencyKeys(this WebApplication app)
    {
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/api"), api => api.UseMiddleware<IdempotencyMiddleware>());
        return app;
    }
}
