using System.Runtime.CompilerServices;

namespace TestSupport.Portal;

/// <summary>One Server-Sent Event as a client sees it, or a comment line (heartbeat) when <see cref="Comment"/> is set.</summary>
public sealed record ServerSentEvent(string? Id, string? Type, string? Data, string? Comment = null);

/// <summary>A plain <c>text/event-stream</c> parser (WHATWG rules: fields until a blank line), so tests see exactly what went over the wire.</summary>
public static class ServerSentEventReader
{
    public static async Task<HttpResponseMessage> OpenEventStreamAsync(this HttpClient http, string url, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return response;
    }

    /// <summary>Events and comments until the server closes the stream.</summary>
    public static async IAsyncEnumerable<ServerSentEvent> ReadEventsAsync(this HttpResponseMessage response, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        string? id = null, type = null;
        List<string> data = [];
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0 || type is not null) yield return new ServerSentEvent(id, type, string.Join('\n', data));
                id = type = null;
                data = [];
                continue;
            }
            if (line.StartsWith(':'))
            {
                yield return new ServerSentEvent(null, null, null, line[1..].Trim());
                continue;
            }
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; break;
                case "event": type = value; break;
                case "data": data.Add(value); break;
            }
        }
    }
}
