using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

namespace Portal.Api;

/// <summary>
/// Every error under <c>/api</c> is RFC 9457 problem+json with a stable <c>type</c>: endpoint results,
/// unreadable bodies, and the bare status codes the framework produces (unknown route 404, 405, 413, 415).
/// </summary>
internal static class ApiErrors
{
    /// <summary>The largest request body the API reads; a cluster request is well under 1 KiB.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    public static IServiceCollection AddApiErrors(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            var status = problem.Status ?? context.HttpContext.Response.StatusCode;
            // The framework's defaults point at RFC sections; clients branch on our own stable types instead.
            if (problem.Type is null || !problem.Type.StartsWith(ApiResults.ProblemTypeBase, StringComparison.Ordinal))
            {
                problem.Type = ApiResults.TypeFor(status);
                problem.Title = ApiResults.TitleFor(status);
            }
            if (status == StatusCodes.Status404NotFound && problem.Detail is null)
                problem.Detail = $"There is no resource at {context.HttpContext.Request.Path}.";
            if (status == StatusCodes.Status405MethodNotAllowed && problem.Detail is null)
                problem.Detail = $"{context.HttpContext.Request.Method} is not allowed here; allowed: {context.HttpContext.Response.Headers.Allow}.";
        });
        services.AddExceptionHandler<BadRequestHandler>();
        services.AddSingleton<IProblemDetailsWriter, ApiProblemWriter>();
        return services;
    }

    /// <summary>Problem responses for status codes that arrive without a body, and the body size limit.</summary>
    public static IApplicationBuilder UseApiErrors(this IApplicationBuilder api)
    {
        api.UseStatusCodePages();
        api.UseApiOptions();
        api.Use(async (http, next) =>
        {
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                limit.MaxRequestBodySize = MaxBodyBytes;
            if (http.Request.ContentLength > MaxBodyBytes)
            {
                await ApiResults.WriteProblemAsync(http, StatusCodes.Status413PayloadTooLarge, "payload-too-large",
                    $"The request body is {http.Request.ContentLength} bytes; the API accepts at most {MaxBodyBytes}.");
                return;
            }
            if (ForeignCharset(http.Request) is { } charset)
            {
                await ApiResults.WriteProblemAsync(http, StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type",
                    $"The API reads JSON as UTF-8 only, and this body says charset={charset}. Send UTF-8, with charset=utf-8 or no charset.");
                return;
            }
            await next(http);
        });
        return api;
    }

    /// <summary>
    /// The charset a body declares when it is not UTF-8, else null. JSON between systems is UTF-8 (RFC 8259); the
    /// framework would transcode a known other charset and answer 500 for an unknown one.
    /// </summary>
    private static string? ForeignCharset(HttpRequest request)
    {
        if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) || !mediaType.Charset.HasValue) return null;
        var charset = mediaType.Charset.Value!.Trim('"');
        return charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)
            ? null
            : mediaType.Charset.Value;
    }

    /// <summary>
    /// Under <c>/api</c> a problem is problem+json whatever the request accepts (a browser's text/html, XML): the API
    /// speaks nothing else, and a client branches on the problem's type. Asked only when no other writer accepted; it
    /// has the framework's writer write it, as for a client that accepts problem+json.
    /// </summary>
    private sealed class ApiProblemWriter : IProblemDetailsWriter
    {
        private const string ProblemJson = "application/problem+json";

        public bool CanWrite(ProblemDetailsContext context) =>
            context.HttpContext.Request.Path.StartsWithSegments("/api") && context.HttpContext.Request.Headers.Accept != ProblemJson;

        public async ValueTask WriteAsync(ProblemDetailsContext context)
        {
            context.HttpContext.Request.Headers.Accept = ProblemJson;
            await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(context);
        }
    }

    /// <summary>Unreadable bodies (broken JSON, wrong types, unknown fields, wrong content type, too large) answer 4xx problem+json saying what is wrong, per field where there is one.</summary>
    private sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not BadHttpRequestException bad) return false;
            http.Response.StatusCode = bad.StatusCode;
            var body = JsonBodyErrors.Describe(bad);
            var detail = body?.Detail
                ?? (bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? $"The request body is larger than the API accepts ({MaxBodyBytes} bytes)."
                    : bad.Message);
            var context = new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails =
                {
                    Status = bad.StatusCode,
                    Title = ApiResults.TitleFor(bad.StatusCode),
                    Type = ApiResults.TypeFor(bad.StatusCode),
                    Detail = detail,
                },
                Exception = exception,
            };
            if (body?.Errors is { } errors) context.ProblemDetails.Extensions["errors"] = errors;
            return await problems.TryWriteAsync(context);
        }
    }
}
