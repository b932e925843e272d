using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Portal.Api;

/// <summary>Bound from <c>RateLimiting</c>: how many API requests one caller may make.</summary>
public sealed class ApiRateLimitOptions
{
    /// <summary>Requests per caller per minute; high by default, so that only runaway automation meets it.</summary>
    [Range(1, 1_000_000)]
    public int PermitsPerMinute { get; set; } = 6000;

    /// <summary>Requests that wait for the next window instead of being refused at once.</summary>
    [Range(0, 10_000)]
    public int QueueLimit { get; set; }
}

internal static class ApiRateLimiting
{
    public const string Policy = "api";

    public static IHostApplicationBuilder AddApiRateLimiting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiRateLimitOptions>().Bind(builder.Configuration.GetSection("RateLimiting")).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Per caller, so one script cannot starve everyone else; anonymous callers are told apart by address.
            limiter.AddPolicy(Policy, http =>
            {
                var options = http.RequestServices.GetRequiredService<IOptions<ApiRateLimitOptions>>().Value;
                return RateLimitPartition.GetFixedWindowLimiter(ApiCaller.PartitionKey(http), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.PermitsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = options.QueueLimit,
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                });
            });
            limiter.OnRejected = async (context, _) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await ApiResults.WriteProblemAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "rate-limited",
                    $"Too many requests; try again in {seconds} s.", new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
            };
        });
        return builder;
    }
}
