namespace Portal.Load;

/// <summary>
/// 200 creates requested at once on the simulated engine at time scale 0 (every resource instant): how many events the
/// portal stores per second while it works through them, from the first stored event to the last.
/// </summary>
public static class EventBurst
{
    public const int Clusters = 200;

    public static string Name(int i) => $"bench-{i:000}";

    public static async Task MeasureAsync(PortalInstance portal, Samples samples)
    {
        var operations = await Task.WhenAll(Enumerable.Range(0, Clusters).Select(i => Api.CreateClusterAsync(portal.Http, Name(i))));
        await Api.WaitUntilIdleAsync(portal.Http, TimeSpan.FromMinutes(5));
        var stamps = new List<DateTimeOffset>();
        foreach (var id in operations)
        {
            var operation = await Api.GetAsync(portal.Http, $"/api/v1/operations/{id}");
            if ((string?)operation["state"] != "succeeded") samples.Finding($"A create of the 200-cluster burst ended {(string?)operation["state"]}: {(string?)operation["error"]}");
            stamps.AddRange((await Api.EventsAsync(portal.Http, id)).Select(e => (DateTimeOffset)e["timestamp"]!));
        }
        var span = (stamps.Max() - stamps.Min()).TotalSeconds;
        samples.Add("events.count", stamps.Count);
        samples.Add("events.seconds", span);
        samples.Add("events.rate", stamps.Count / span);
    }
}
