using System.Security.Claims;

namespace Portal.Api;

/// <summary>
/// Who is calling, for everything that is kept per caller (idempotency keys, rate limits).
/// The one place that knows how a caller is identified, so authentication changes only this.
/// </summary>
public static class ApiCaller
{
    public const string Anonymous = "anonymous";

    public static string Of(HttpContext http) => http.User.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? Anonymous;

    /// <summary>The caller, or for anonymous requests the remote address, so one anonymous client cannot throttle all others.</summary>
    public static string PartitionKey(HttpContext http) => Of(http) is var caller && caller != Anonymous
        ? "caller:" + caller
        : "ip:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}
