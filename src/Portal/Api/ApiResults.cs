using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Clusters;

namespace Portal.Api;

/// <summary>Turns command outcomes into RFC 9457 problem responses with a stable type per kind of error.</summary>
public static class ApiResults
{
    public const string ProblemTypeBase = "https://portal.example/problems/";

    public static ValidationProblem Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, detail: "One or more fields are not valid.", type: ProblemTypeBase + "validation");

    public static ValidationProblem Invalid(string field, string message) => Invalid(new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemHttpResult Conflict<T>(CommandResult<T> result)
    {
        var extensions = new Dictionary<string, object?>();
        if (result.BlockingOperationId is { } blocking)
        {
            extensions["blockingOperation"] = blocking;
            extensions["blockingOperationUrl"] = $"/api/v1/operations/{blocking}";
        }
        if (result.Errors is not null) extensions["errors"] = result.Errors;
        return TypedResults.Problem(result.Message, statusCode: StatusCodes.Status409Conflict, title: "Conflict",
            type: ProblemTypeBase + "conflict", extensions: extensions);
    }

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found", type: ProblemTypeBase + "not-found");

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", type: ProblemTypeBase + "forbidden");

    public static ProblemHttpResult Gone(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status410Gone, title: "Gone", type: ProblemTypeBase + "gone");

    public static ProblemHttpResult PreconditionFailed(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status412PreconditionFailed, title: "Precondition failed", type: ProblemTypeBase + "precondition-failed");

    /// <summary>The stable problem type of a status code that has no more specific kind.</summary>
    public static string TypeFor(int status) => ProblemTypeBase + status switch
    {
        400 => "bad-request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not-found",
        405 => "method-not-allowed",
        406 => "not-acceptable",
        409 => "conflict",
        410 => "gone",
        412 => "precondition-failed",
        413 => "payload-too-large",
        415 => "unsupported-media-type",
        422 => "unprocessable-content",
        429 => "rate-limited",
        500 => "internal-error",
        503 => "unavailable",
        _ => $"http-{status}",
    };

    public static string TitleFor(int status) => status switch
    {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        405 => "Method not allowed",
        406 => "Not acceptable",
        409 => "Conflict",
        410 => "Gone",
        412 => "Precondition failed",
        413 => "Payload too large",
        415 => "Unsupported media type",
        422 => "Unprocessable content",
        429 => "Too many requests",
        500 => "Internal server error",
        _ => "Error",
    };

    /// <summary>Writes a problem from middleware, where there is no endpoint result to return.</summary>
    public static Task WriteProblemAsync(HttpContext http, int status, string kind, string detail, IDictionary<string, object?>? extensions = null)
    {
        http.Response.StatusCode = status;
        var context = new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = { Status = status, Title = TitleFor(status), Type = ProblemTypeBase + kind, Detail = detail },
        };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>()) context.ProblemDetails.Extensions[key] = value;
        return http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(context).AsTask();
    }
}
