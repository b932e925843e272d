using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Portal.Load;

/// <summary>The few REST calls the harness makes, through the public API only, as automation would.</summary>
public static class Api
{
    /// <summary>Requests a cluster with the defaults; returns its create operation's id.</summary>
    public static async Task<string> CreateClusterAsync(HttpClient http, string name)
    {
        using var response = await http.PostAsJsonAsync("/api/v1/clusters", new { name, team = PortalInstance.Team });
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != 202) throw new InvalidOperationException($"Creating {name} answered {(int)response.StatusCode}: {text}");
        return (string)JsonNode.Parse(text)!["operation"]!["id"]!;
    }

    public static async Task<JsonObject> GetAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Every stored event of an operation, through the JSON pages of its events endpoint.</summary>
    public static async Task<List<JsonObject>> EventsAsync(HttpClient http, string operationId)
    {
        var events = new List<JsonObject>();
        for (var after = 0; ;)
        {
            var page = await GetAsync(http, $"/api/v1/operations/{operationId}/events?after={after}&limit=1000");
            var batch = page["events"]!.AsArray().Select(e => e!.AsObject()).ToList();
            if (batch.Count == 0) return events;
            events.AddRange(batch);
            after = (int)page["next"]!;
        }
    }

    /// <summary>Polls until no operation is queued or running.</summary>
    public static async Task WaitUntilIdleAsync(HttpClient http, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await AnyAsync("queued") || await AnyAsync("running"))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Operations were still running after {timeout}.");
            await Task.Delay(100);
        }

        async Task<bool> AnyAsync(string state) => (await GetAsync(http, $"/api/v1/operations?status={state}&limit=1"))["items"]!.AsArray().Count > 0;
    }
}
