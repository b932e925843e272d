using Microsoft.AspNetCore.Antiforgery;

namespace Portal.Api;

public sealed record AntiforgeryTokenView(string HeaderName, string Token);

/// <summary>
/// A browser sends the sign-in cookie with any request, also one another site makes it send.
/// So an API call that changes something with the cookie (not a bearer token) must carry the
/// antiforgery header as well; token callers are not affected.
/// </summary>
internal sealed class CookieAntiforgeryFilter(IAntiforgery antiforgery) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var unsafeMethod = !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method));
        var viaCookie = http.User.Identity?.IsAuthenticated == true && !http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);
        if (unsafeMethod && viaCookie && !await antiforgery.IsRequestValidAsync(http))
            return TypedResults.Problem("Calls that change something with the sign-in cookie must send the antiforgery header from GET /api/v1/antiforgery.",
                statusCode: StatusCodes.Status400BadRequest, title: "Antiforgery token missing or invalid", type: ApiResults.ProblemTypeBase + "antiforgery");
        return await next(context);
    }
}
