using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Portal.ProcessTests.Support;

/// <summary>A Server-Sent Events client of <c>GET /api/v1/operations/{id}/events</c>, reading it as a browser's EventSource would.</summary>
internal sealed class EventStream : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private EventStream(HttpResponseMessage response, StreamReader reader) => (_response, _reader) = (response, reader);

    /// <summary>Returns once the portal has answered and the stream is open.</summary>
    /// <param name="lastEventId">Resume after this sequence, as EventSource does when it reconnects.</param>
    public static async Task<EventStream> OpenAsync(HttpClient http, string operationId, int? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/operations/{operationId}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is { } last) request.Headers.Add("Last-Event-ID", last.ToString());
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new EventStream(response, new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken)));
    }

    /// <summary>Opens and reads a whole stream.</summary>
    public static async Task<(string OperationId, List<JsonObject> Events)> ReadAllAsync(HttpClient http, string operationId, TimeSpan timeout)
    {
        using var stream = await OpenAsync(http, operationId);
        return (operationId, await stream.ReadToEndAsync(timeout));
    }

    /// <summary>Reads until the portal ends the stream: the operation ended and every event was sent, or the portal is stopping.</summary>
    public async Task<List<JsonObject>> ReadToEndAsync(TimeSpan timeout)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        var events = new List<JsonObject>();
        string? id = null, data = null;
        while (await _reader.ReadLineAsync(cts.Token) is { } line)
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
        return events;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _response.Dispose();
    }
}
