using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Clusters;

namespace Portal.Api;

/// <summary>Turns command outcomes into RFC 9457 problem responses with a stable type per kind of error.</summary>
public static class ApiResults
{
    public const string ProblemTypeBase = "https://portal.example/problems/";

    public static ValidationProblem Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, detail: "One or more fields are not valid.", type: ProblemTypeBase + "validation");

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
}
