using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Portal.Api;

/// <summary>Bound from <c>RateLimiting</c>: how many requests one caller, or one address without credentials, may make.</summary>
public sealed class RateLimitOptions
{
    /// <summary>API requests per authenticated caller per minute; high by default, so that only runaway automation meets it.</summary>
    [Range(1, 1_000_000, ErrorMessage = "RateLimiting:PermitsPerMinute must be between {1} and {2}.")]
    public int PermitsPerMinute { get; set; } = 6000;

    /// <summary>Requests that wait for the next window instead of being refused at once.</summary>
    [Range(0, 10_000, ErrorMessage = "RateLimiting:QueueLimit must be between {1} and {2}.")]
    public int QueueLimit { get; set; }

    /// <summary>
    /// Requests per address per minute without valid credentials (pages and assets before sign-in, health probes,
    /// wrong tokens): enough for people behind one NAT to open the sign-in page, far too few to flood anything.
    /// </summary>
    [Range(1, 1_000_000, ErrorMessage = "RateLimiting:AnonymousPermitsPerMinute must be between {1} and {2}.")]
    public int AnonymousPermitsPerMinute { get; set; } = 300;

    /// <summary>Password sign-in attempts per address per minute, whatever the account.</summary>
    [Range(1, 10_000, ErrorMessage = "RateLimiting:SignInPermitsPerMinute must be between {1} and {2}.")]
    public int SignInPermitsPerMinute { get; set; } = 10;

    /// <summary>Refused requests are audited as one entry per address per window of this length, with their count.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "RateLimiting:DenialAuditWindow must be between {1} and {2}.")]
    public TimeSpan DenialAuditWindow { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// The remote address limits and aggregates are kept for. IPv6 counts per /64, the block one subscriber
/// usually gets, so that an attacker cannot draw a fresh partition from their own prefix for every request.
/// Behind a reverse proxy, enable forwarded headers so that this is the client, not the proxy.
/// </summary>
public static class ClientAddress
{
    public static string Of(HttpContext http) => Of(http.Connection.RemoteIpAddress);

    public static string Of(IPAddress? address)
    {
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}

/// <summary>Fixed-window limits per address: for requests without valid credentials, and for password sign-ins.</summary>
public sealed class AddressLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string> _anonymous, _signIn;

    public AddressLimits(IOptions<RateLimitOptions> options)
    {
        _anonymous = PerMinute(options.Value.AnonymousPermitsPerMinute);
        _signIn = PerMinute(options.Value.SignInPermitsPerMinute);
    }

    /// <summary>Null when the request may go on; otherwise how long the address must wait.</summary>
    public TimeSpan? Anonymous(string address) => Acquire(_anonymous, address);

    public TimeSpan? SignIn(string address) => Acquire(_signIn, address);

    public void Dispose()
    {
        _anonymous.Dispose();
        _signIn.Dispose();
    }

    private static TimeSpan? Acquire(PartitionedRateLimiter<string> limiter, string address)
    {
        using var lease = limiter.AttemptAcquire(address);
        return lease.IsAcquired ? null : RateLimitAnswer.RetryAfter(lease);
    }

    private static PartitionedRateLimiter<string> PerMinute(int permits) =>
        PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));
}

/// <summary>429 problem+json with <c>Retry-After</c>: the one answer every limit gives.</summary>
public static class RateLimitAnswer
{
    public static TimeSpan RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);

    /// <summary>Whole seconds, at least one: what the <c>Retry-After</c> header says.</summary>
    public static int Seconds(TimeSpan retryAfter) => Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));

    public static Task WriteAsync(HttpContext http, TimeSpan retryAfter, string detail)
    {
        var seconds = Seconds(retryAfter);
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return ApiResults.WriteProblemAsync(http, StatusCodes.Status429TooManyRequests, "rate-limited",
            $"{detail} Try again in {seconds} s.", new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
    }
}

internal static class ApiRateLimiting
{
    public const string Policy = "api";

    public static IHostApplicationBuilder AddApiRateLimiting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>().Bind(builder.Configuration.GetSection("RateLimiting")).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<AddressLimits>();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Per caller, so one script cannot starve everyone else; anonymous callers are told apart by address.
            limiter.AddPolicy(Policy, http =>
            {
                var options = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
                return RateLimitPartition.GetFixedWindowLimiter(ApiCaller.PartitionKey(http), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.PermitsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = options.QueueLimit,
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                });
            });
            limiter.OnRejected = (context, _) =>
                new ValueTask(RateLimitAnswer.WriteAsync(context.HttpContext, RateLimitAnswer.RetryAfter(context.Lease), "Too many requests."));
        });
        return builder;
    }

    /// <summary>
    /// Authentication, with callers that have no valid credentials limited per address (<c>RateLimiting:AnonymousPermitsPerMinute</c>):
    /// requests without credentials before authentication, so a flood costs no lookup; requests whose token or cookie
    /// does not authenticate right after it, before authorization writes a denial or an endpoint does any work.
    /// </summary>
    public static WebApplication UseThrottledAuthentication(this WebApplication app)
    {
        app.Use((http, next) => HasCredentials(http) ? next(http) : LimitAnonymousAsync(http, next));
        app.UseAuthentication();
        app.Use((http, next) => HasCredentials(http) && http.User.Identity?.IsAuthenticated != true ? LimitAnonymousAsync(http, next) : next(http));
        return app;
    }

    private static Task LimitAnonymousAsync(HttpContext http, RequestDelegate next) =>
        http.RequestServices.GetRequiredService<AddressLimits>().Anonymous(ClientAddress.Of(http)) is { } wait
            ? RateLimitAnswer.WriteAsync(http, wait, "Too many requests without valid credentials from your address.")
            : next(http);

    /// <summary>A bearer header or the sign-in cookie: the two things authentication looks at (IdentityExtensions' policy scheme).</summary>
    private static bool HasCredentials(HttpContext http) =>
        http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
        || http.RequestServices.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme).Cookie.Name is { } cookie
            && http.Request.Cookies.ContainsKey(cookie);
}
