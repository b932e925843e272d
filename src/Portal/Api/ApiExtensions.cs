using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Portal.Admin;
using Portal.Clusters;
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
        var api = app.MapGroup("/api/v1");
        api.MapClusterEndpoints();
        api.MapOperationEndpoints();
        api.MapAdminEndpoints();
        app.MapOpenApi();
        app.MapScalarApiReference();
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
