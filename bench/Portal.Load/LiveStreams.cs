using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Provisioning.Clusters;
using Provisioning.Topology;

namespace Portal.Load;

/// <summary>
/// Live progress as API clients get it: N watchers follow one running create operation over Server-Sent Events, and each
/// event's latency is from its stored timestamp (the sink stamps a batch as it writes it) to a watcher reading its
/// <c>data:</c> line. The watchers connect while the operation waits in the queue, so they see all of it. The run with one
/// watcher is also the deployment a person waits for: its wall time, from the worker starting it to the end of the stream,
/// against the plan's critical path.
/// </summary>
public static class LiveStreams
{
    public static readonly int[] WatcherCounts = [1, 50, 200, 1000];

    private sealed record Received(int Sequence, string Type, string? Resource, DateTimeOffset Stored, DateTimeOffset At);

    public static async Task MeasureAsync(PortalInstance portal, Samples samples, int run)
    {
        var medians = new Dictionary<int, (double Median, double P99)>();
        foreach (var watchers in WatcherCounts)
        {
            var name = $"live-{run}-{watchers}";
            using var http = PortalInstance.Client(portal.Address, authorized: true);
            // The portal runs one operation at a time (Deployments:MaxConcurrency=1): a pacer holds the worker while the
            // watchers connect to the measured create, queued behind it, and is cancelled once they all have.
            var pacer = await Api.CreateClusterAsync(http, $"pace-{run}-{watchers}");
            await WaitUntilRunningAsync(http, pacer);
            var operationId = await Api.CreateClusterAsync(http, name);
            var clock = Stopwatch.StartNew();
            var streams = await Task.WhenAll(Enumerable.Range(0, watchers).Select(_ => OpenAsync(http, operationId)));
            var allConnected = DateTimeOffset.UtcNow;
            Console.WriteLine($"  {watchers} watcher(s) connected in {clock.Elapsed.TotalSeconds:0.0} s");
            using (var cancel = await http.PostAsync($"/api/v1/operations/{pacer}/cancel", null)) cancel.EnsureSuccessStatusCode();
            var received = await Task.WhenAll(streams.Select(ReadToEndAsync));
            var ended = DateTimeOffset.UtcNow;

            var latencies = received.SelectMany(r => r).Where(e => e.Stored > allConnected).Select(e => (e.At - e.Stored).TotalMilliseconds).ToList();
            if (latencies.Count < 20 * watchers) samples.Finding($"Only {latencies.Count} events reached {watchers} watcher(s) after all had connected.");
            var (median, p99) = (Samples.Median(latencies), Samples.Percentile(latencies, 99));
            medians[watchers] = (median, p99);
            samples.Add($"live.{watchers}.median", median);
            samples.Add($"live.{watchers}.p99", p99);
            if (watchers > 1)
            {
                samples.Add($"live.{watchers}.median.ratio", median / medians[1].Median);
                samples.Add($"live.{watchers}.p99.ratio", p99 / medians[1].P99);
            }
            if (received.Any(r => r.Count != received[0].Count)) samples.Finding($"With {watchers} watchers, not every watcher received the same number of events.");
            if (watchers == 1) await DeploymentAsync(http, samples, name, operationId, received[0], ended);
        }
    }

    private static async Task DeploymentAsync(HttpClient http, Samples samples, string name, string operationId, List<Received> events, DateTimeOffset ended)
    {
        var started = (DateTimeOffset)(await Api.GetAsync(http, $"/api/v1/operations/{operationId}"))["startedAt"]!;
        var wall = ended - started;
        var cluster = await Api.GetAsync(http, $"/api/v1/clusters/{name}");
        var spec = cluster["spec"].Deserialize<ClusterSpec>(new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        var critical = CriticalPath(TopologyPlanBuilder.Build(spec), events);
        samples.Add("deploy.wall", wall.TotalSeconds);
        samples.Add("deploy.critical", critical.TotalSeconds);
        samples.Add("deploy.ratio", wall / critical);
    }

    /// <summary>
    /// The longest chain of the plan's dependency graph, each resource weighted with how long it actually took (started to
    /// succeeded, as stored): how long the deployment would take with unlimited parallelism and no overhead.
    /// </summary>
    private static TimeSpan CriticalPath(TopologyPlan plan, List<Received> events)
    {
        var started = events.Where(e => e.Type == "resource-started" && e.Resource is not null).GroupBy(e => e.Resource!).ToDictionary(g => g.Key, g => g.First().Stored);
        var succeeded = events.Where(e => e.Type == "resource-succeeded" && e.Resource is not null).GroupBy(e => e.Resource!).ToDictionary(g => g.Key, g => g.Last().Stored);
        var missing = plan.Resources.Where(r => !started.ContainsKey(r.Name) || !succeeded.ContainsKey(r.Name)).Select(r => r.Name).ToList();
        if (missing.Count > 0) throw new InvalidOperationException($"The stream lacks start or success of {string.Join(", ", missing)}.");
        var finish = new Dictionary<string, TimeSpan>();
        foreach (var wave in plan.Waves())
            foreach (var resource in wave)
                finish[resource.Name] = (succeeded[resource.Name] - started[resource.Name])
                    + resource.DependsOn.Select(d => finish[d]).DefaultIfEmpty(TimeSpan.Zero).Max();
        return finish.Values.Max();
    }

    private static async Task WaitUntilRunningAsync(HttpClient http, string operationId)
    {
        for (var deadline = DateTime.UtcNow.AddMinutes(1); (string?)(await Api.GetAsync(http, $"/api/v1/operations/{operationId}"))["state"] != "running";)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Operation {operationId} did not start within a minute.");
            await Task.Delay(50);
        }
    }

    private static async Task<(HttpResponseMessage Response, StreamReader Reader)> OpenAsync(HttpClient http, string operationId)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/operations/{operationId}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        return (response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    private static async Task<List<Received>> ReadToEndAsync((HttpResponseMessage Response, StreamReader Reader) stream)
    {
        using var response = stream.Response;
        using var reader = stream.Reader;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var events = new List<Received>();
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            var at = DateTimeOffset.UtcNow;
            var e = JsonNode.Parse(line.AsSpan(6).ToString())!;
            events.Add(new Received((int)e["sequence"]!, (string)e["type"]!, (string?)e["resource"]?["name"], (DateTimeOffset)e["timestamp"]!, at));
        }
        return events;
    }
}
