using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Portal.ProcessTests.Support;

/// <summary>A Server-Sent Events client of <c>GET /api/v1/operations/{id}/events</c>, as a browser's EventSource would read it.</summary>
internal static class EventStream
{
    /// <summary>Reads until the portal ends the stream (the operation ended and every event was sent).</summary>
    public static async Task<(string OperationId, List<JsonObject> Events)> ReadToEndAsync(HttpClient http, string operationId, TimeSpan timeout)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/operations/{operationId}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        var events = new List<JsonObject>();
        string? id = null, data = null;
        while (await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
            else if (line.Length == 0 && data is not null)
            {
                var e = JsonNode.Parse(data)!.AsObject();
                Assert.Equal(id, ((int)e["sequence"]!).ToString());
                events.Add(e);
                (id, data) = (null, null);
            }
        }
        return (operationId, events);
    }
}
