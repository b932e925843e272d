using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Portal.Auditing;
using Portal.Clusters;
using Portal.Identity;
using Portal.Deployments;
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
        });
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestHandler>();
        builder.Services.AddOpenApi();
        return builder;
    }

    public static WebApplication MapPortalApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1").AddEndpointFilter<CookieAntiforgeryFilter>();
        api.MapGet("/antiforgery", (HttpContext http, IAntiforgery antiforgery) =>
            {
                var tokens = antiforgery.GetAndStoreTokens(http);
                return TypedResults.Ok(new AntiforgeryTokenView(tokens.HeaderName!, tokens.RequestToken!));
            })
            .RequireAuthorization().WithTags("Tokens").WithName("GetAntiforgeryToken")
            .WithSummary("For browser scripts using the sign-in cookie: the header to send with every POST, PATCH and DELETE");
        api.MapClusterEndpoints();
        api.MapOperationEndpoints();
        api.MapIdentityEndpoints();
        api.MapAuditEndpoints();
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference().AllowAnonymous();
        return app;
    }

    /// <summary>Unreadable bodies (broken JSON, wrong types, unknown fields) answer 400 problem+json saying what is wrong.</summary>
    private sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not BadHttpRequestException bad) return false;
            http.Response.StatusCode = bad.StatusCode;
            var detail = bad.InnerException is JsonException json
                ? $"The request body is not valid: {json.Message}"
                : bad.Message;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails =
                {
                    Status = bad.StatusCode,
                    Title = "Bad request",
                    Type = ApiResults.ProblemTypeBase + "bad-request",
                    Detail = detail,
                },
                Exception = exception,
            });
        }
    }
}
