using Microsoft.AspNetCore.Http.Features;

namespace Portal.Api;

/// <summary>
/// HEAD and OPTIONS under <c>/api</c> (RFC 9110 §9.3.2, §9.3.7): HEAD answers what GET would, headers only;
/// OPTIONS answers 204 with the methods the resource allows.
/// </summary>
internal static class ApiMethods
{
    /// <summary>
    /// Before routing: a HEAD is routed and run as the GET it asks about, into a body nobody reads, so that every
    /// GET endpoint answers HEAD with the same status and headers without a second endpoint (nor a second
    /// operation in the document) per resource.
    /// </summary>
    public static WebApplication UseApiHead(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            if (!HttpMethods.IsHead(http.Request.Method) || !http.Request.Path.StartsWithSegments("/api"))
            {
                await next(http);
                return;
            }
            var body = http.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
            http.Request.Method = HttpMethods.Get;
            http.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null, body));
            try { await next(http); }
            finally
            {
                http.Features.Set(body);
                http.Request.Method = HttpMethods.Head;
            }
        });
        return app;
    }

    /// <summary>
    /// After routing: a method the path does not have finds the framework's 405 endpoint, which knows the methods of
    /// every endpoint on the path. Its Allow gains HEAD beside GET; an OPTIONS answers 204 with them and OPTIONS itself.
    /// </summary>
    public static IApplicationBuilder UseApiOptions(this IApplicationBuilder api)
    {
        api.Use(async (http, next) =>
        {
            if (http.GetEndpoint() is not { DisplayName: "405 HTTP Method Not Supported", RequestDelegate: { } rejection })
            {
                await next(http);
                return;
            }
            await rejection(http); // sets the status and Allow, writes nothing
            var methods = http.Response.Headers.Allow.ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
            if (methods.Contains(HttpMethods.Get) && !methods.Contains(HttpMethods.Head)) methods.Insert(methods.IndexOf(HttpMethods.Get) + 1, HttpMethods.Head);
            if (HttpMethods.IsOptions(http.Request.Method))
            {
                methods.Add(HttpMethods.Options);
                http.Response.StatusCode = StatusCodes.Status204NoContent;
            }
            http.Response.Headers.Allow = string.Join(", ", methods);
        });
        return api;
    }
}
