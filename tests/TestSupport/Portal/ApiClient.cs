using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portal;

namespace TestSupport.Portal;

/// <summary>Adds <c>Authorization: Bearer</c> to every request: how the tests authenticate, in one place.</summary>
public sealed class BearerTokenHandler(string token) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization ??= new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>Small helpers over the REST API, shared by the API, worker and end-to-end tests.</summary>
public static class ApiClient
{
    public static readonly JsonSerializerOptions Json = PortalJson.Options;

    /// <summary>Requests a cluster and expects 202; the default team is filled in when the body names none.</summary>
    public static async Task<JsonObject> CreateClusterAsync(this HttpClient http, object body)
    {
        var json = JsonSerializer.SerializeToNode(body, Json)!.AsObject();
        if (json["team"] is null) json["team"] = PortalAppFactory.DefaultTeam;
        var response = await http.PostAsJsonAsync("/api/v1/clusters", json, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"Expected 202, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    public static async Task<JsonObject> GetJsonAsync(this HttpClient http, string url)
    {
        var response = await http.GetAsync(url, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!.AsObject();
    }

    /// <summary>Changes a cluster (JSON merge patch) and waits for the update it enqueues; the ended operation.</summary>
    public static async Task<JsonObject> UpdateClusterAsync(this HttpClient http, string name, string mergePatch)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/clusters/{name}")
        {
            Content = new StringContent(mergePatch, System.Text.Encoding.UTF8, "application/merge-patch+json"),
        };
        var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"Expected 202, got {(int)response.StatusCode}: {text}");
        return await http.WaitForOperationAsync((string)JsonNode.Parse(text)!["operation"]!["id"]!);
    }

    /// <summary>Polls the operation until it has ended; fails the test if it does not end in time.</summary>
    public static async Task<JsonObject> WaitForOperationAsync(this HttpClient http, string operationId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var operation = await http.GetJsonAsync($"/api/v1/operations/{operationId}");
            if ((string)operation["state"]! is "succeeded" or "failed" or "cancelled") return operation;
            if (DateTime.UtcNow > deadline) Assert.Fail($"Operation {operationId} is still {operation["state"]} after the timeout.");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Every stored event of an operation, through the JSON page API.</summary>
    public static async Task<List<JsonObject>> AllEventsAsync(this HttpClient http, string operationId)
    {
        var events = new List<JsonObject>();
        var after = 0;
        while (true)
        {
            var page = await http.GetJsonAsync($"/api/v1/operations/{operationId}/events?after={after}&limit=500");
            var batch = page["events"]!.AsArray().Select(e => e!.AsObject()).ToList();
            if (batch.Count == 0) return events;
            events.AddRange(batch);
            after = (int)page["next"]!;
        }
    }
}
