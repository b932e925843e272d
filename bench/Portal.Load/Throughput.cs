namespace Portal.Load;

/// <summary>Requests per second against the anonymous <c>/health/live</c>, the framework's ceiling on this machine, measured right before.</summary>
public static class Throughput
{
    public static async Task HealthAsync(PortalInstance portal, Samples samples, TimeSpan duration)
    {
        var live = new Uri(portal.Address, "/health/live");
        var anonymous = await Wrk.RequestsPerSecondAsync(live, duration);
        var bearer = await Wrk.RequestsPerSecondAsync(live, duration, PortalInstance.ApiToken);
        samples.Add("health.anonymous", anonymous);
        samples.Add("health.bearer", bearer);
        samples.Add("health.ratio", bearer / anonymous);
    }

    /// <summary>The cluster list's first page of 50 (of the 200 clusters <see cref="EventBurst"/> made), and its size as sent.</summary>
    public static async Task ClusterListAsync(PortalInstance portal, Samples samples, TimeSpan duration)
    {
        const string path = "/api/v1/clusters?limit=50";
        var ceiling = await Wrk.RequestsPerSecondAsync(new Uri(portal.Address, "/health/live"), duration);
        var list = await Wrk.RequestsPerSecondAsync(new Uri(portal.Address, path), duration, PortalInstance.ApiToken);
        samples.Add("list.ceiling", ceiling);
        samples.Add("list.rps", list);
        samples.Add("list.ratio", list / ceiling);

        var plain = await Assets.FetchAsync(portal.Http, path, null);
        if (plain.Encoding is not null) samples.Finding($"{path} answered Content-Encoding {plain.Encoding} to a request without Accept-Encoding.");
        samples.Add("list.bytes", plain.Bytes);
        foreach (var encoding in new[] { "br", "gzip" })
        {
            var compressed = await Assets.FetchAsync(portal.Http, path, encoding);
            samples.Add($"list.bytes.{encoding}", compressed.Bytes);
            samples.Add($"list.compressed.{encoding}", compressed.Encoding == encoding ? 1 : 0);
        }
    }
}
