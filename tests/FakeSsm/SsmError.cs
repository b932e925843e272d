using System.Net;

namespace FakeSsm;

/// <summary>An SSM error as the JSON 1.1 protocol carries it: <c>{"__type": code, "message": …}</c> with its HTTP status.</summary>
public sealed class SsmError(string code, string message, HttpStatusCode status = HttpStatusCode.BadRequest) : Exception(message)
{
    public string Code { get; } = code;

    public HttpStatusCode Status { get; } = status;

    public static SsmError Validation(string message) => new("ValidationException", message);
}
