using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Portal.Api;

/// <summary>
/// <c>If-None-Match</c> on reads (RFC 9110 §13.1.2): a client that has the current version gets 304 and no body.
/// Weak comparison, as the RFC asks for this header; <c>*</c> matches any current version.
/// </summary>
public static class ConditionalRequests
{
    public const string IfNoneMatch = "If-None-Match";

    /// <summary>Sets the response's ETag and says whether the request's If-None-Match names it.</summary>
    public static bool IsNotModified(HttpContext http, string etag)
    {
        http.Response.Headers.ETag = etag;
        if (!EntityTagHeaderValue.TryParse(etag, out var current)) return false;
        return EntityTagHeaderValue.TryParseList(http.Request.Headers[IfNoneMatch], out var tags)
            && tags.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(current, useStrongComparison: false));
    }

    /// <summary>304 Not Modified: the client's copy is current; the ETag is already on the response.</summary>
    public static StatusCodeHttpResult NotModified() => TypedResults.StatusCode(StatusCodes.Status304NotModified);
}
