using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Portal.Security;
using Scalar.AspNetCore;

namespace Portal.Api;

public static class ApiExtensions
{
    public static IHostApplicationBuilder AddPortalApi(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<JsonOptions>(options =>
        {
            PortalJson.Configure(options.SerializerOptions);
            // A misspelt field silently ignored would deploy something other than what was asked for.
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            // {"name":"a","name":"b"} means different things to different parsers; refuse it rather than pick one.
            options.SerializerOptions.AllowDuplicateProperties = false;
            // The web defaults read "5" as 5; a number is a JSON number, and a string in its place is the caller's mistake to hear about.
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddOptions<ApiOptions>().Bind(builder.Configuration.GetSection("Api")).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddApiErrors();
        builder.AddApiRateLimiting();
        builder.Services.AddPortalOpenApi();
        builder.Services.AddApiCompression();
        return builder;
    }

    /// <summary>
    /// The API's middleware: compression for <c>/api</c> and <c>/openapi</c> (outermost, so that problems are compressed
    /// too), then, for <c>/api</c> only, problem responses, body limit, rate limit.
    /// </summary>
    public static WebApplication UsePortalApi(this WebApplication app)
    {
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/api") || http.Request.Path.StartsWithSegments("/openapi"),
            compressed => compressed.UseApiCompression());
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/api"), api =>
        {
            api.UseApiErrors();
            api.UseRateLimiter();
        });
        return app;
    }

    /// <summary>
    /// <c>/api/v1</c>, the group every feature maps its endpoints in: antiforgery for cookie callers, the rate
    /// limit, and the problem answers every endpoint may give.
    /// </summary>
    public static RouteGroupBuilder MapPortalApi(this WebApplication app) =>
        app.MapGroup("/api/v1")
            .AddEndpointFilter<CookieAntiforgeryFilter>()
            .RequireRateLimiting(ApiRateLimiting.Policy)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status500InternalServerError);

    /// <summary>The OpenAPI document and its reference page.</summary>
    public static WebApplication MapApiReference(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();
        // Scalar's page comes with an inline script: it runs by this response's nonce, and without fonts from a CDN.
        app.MapScalarApiReference((scalar, http) => scalar.WithNonce(SecurityHeadersExtensions.ScriptNonce(http)).DisableDefaultFonts()).AllowAnonymous();
        return app;
    }
}
