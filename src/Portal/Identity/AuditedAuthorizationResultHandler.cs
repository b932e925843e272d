using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Api;
using Portal.Auditing;
using Portal.Data;

namespace Portal.Identity;

/// <summary>Records refused attempts to change something through the API, then answers as usual.</summary>
internal sealed class AuditedAuthorizationResultHandler(IDbContextFactory<PortalDbContext> dbFactory, DenialAudit denials) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext http, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (!result.Succeeded && http.Request.Path.StartsWithSegments("/api") && !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
        {
            await using var db = await dbFactory.CreateDbContextAsync(http.RequestAborted);
            var caller = await Caller.FromAsync(http, db);
            var client = ClientInfo.From(http);
            var actor = caller?.Actor ?? new AuditActor("anonymous", null, null, null, client.Ip, client.UserAgent);
            denials.Record(ClientAddress.Of(http), actor, $"{http.Request.Method} {http.Request.Path}", result.Challenged ? "unauthenticated" : "forbidden");
        }
        await _default.HandleAsync(next, http, policy, result);
    }
}

/// <summary>
/// Refusals in aggregate: one <c>authorization.denied</c> entry per address per window
/// (<c>RateLimiting:DenialAuditWindow</c>) with the count, written when the window closes or the portal stops.
/// A flood therefore adds at most one entry per address per window, and at most
/// <see cref="MaxAddressesPerWindow"/> addresses are told apart in a window; the rest share one entry.
/// </summary>
internal sealed class DenialAudit(
    IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, IOptions<RateLimitOptions> options, TimeProvider time, ILogger<DenialAudit> logger)
    : BackgroundService
{
    public const string Action = "authorization.denied";
    public const int MaxAddressesPerWindow = 1000, MaxListed = 10, MaxEndpointLength = 200;
    private const string OtherAddresses = "other addresses";

    private ConcurrentDictionary<string, Tally> _open = new();

    public void Record(string address, AuditActor actor, string endpoint, string reason)
    {
        while (true)
        {
            var open = _open;
            var key = open.Count < MaxAddressesPerWindow || open.ContainsKey(address) ? address : OtherAddresses;
            var tally = open.GetOrAdd(key, _ => new Tally(actor, time.GetUtcNow()));
            // A tally closed by a flush that raced with this call belongs to the written window: count in the new one.
            if (tally.TryAdd(actor, endpoint.Length > MaxEndpointLength ? endpoint[..MaxEndpointLength] : endpoint, reason, time.GetUtcNow())) return;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.DenialAuditWindow, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await FlushAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(CancellationToken.None);
    }

    /// <summary>Closes the window: writes one entry per address that had refusals in it.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var closed = Interlocked.Exchange(ref _open, new ConcurrentDictionary<string, Tally>());
        var entries = closed.Select(pair => (Address: pair.Key, Summary: pair.Value.Close())).Where(e => e.Summary.Count > 0).ToList();
        if (entries.Count == 0) return;
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            await using var scope = await audit.BeginAsync(db, cancellationToken);
            foreach (var (address, summary) in entries)
                scope.Add(summary.Actor, new AuditRecord(Action, "address", address, "denied", Details: summary.Details));
            await scope.CommitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or OperationCanceledException)
        {
            logger.LogWarning(ex, "{Count} refused requests from {Addresses} addresses could not be audited", entries.Sum(e => e.Summary.Count), entries.Count);
        }
    }

    private sealed record Summary(int Count, AuditActor Actor, object Details);

    private sealed class Tally(AuditActor first, DateTimeOffset from)
    {
        private readonly Lock _gate = new();
        private readonly List<string> _endpoints = [], _callers = [];
        private AuditActor _actor = first;
        private int _count, _unauthenticated;
        private readonly DateTimeOffset _from = from;
        private DateTimeOffset _to = from;
        private bool _closed;

        public bool TryAdd(AuditActor actor, string endpoint, string reason, DateTimeOffset now)
        {
            lock (_gate)
            {
                if (_closed) return false;
                _count++;
                if (reason == "unauthenticated") _unauthenticated++;
                _to = now;
                if (_endpoints.Count < MaxListed && !_endpoints.Contains(endpoint)) _endpoints.Add(endpoint);
                var caller = actor.Name ?? actor.Type;
                if (_callers.Count < MaxListed && !_callers.Contains(caller)) _callers.Add(caller);
                // Refusals of several callers are not pinned on one of them.
                if ((_actor.Type, _actor.Id, _actor.TokenId) != (actor.Type, actor.Id, actor.TokenId))
                    _actor = new AuditActor("anonymous", null, "several callers", null, _actor.Ip, null);
                return true;
            }
        }

        public Summary Close()
        {
            lock (_gate)
            {
                _closed = true;
                return new Summary(_count, _actor, new
                {
                    count = _count,
                    unauthenticated = _unauthenticated,
                    forbidden = _count - _unauthenticated,
                    from = _from,
                    to = _to,
                    endpoints = _endpoints,
                    callers = _callers,
                });
            }
        }
    }
}
