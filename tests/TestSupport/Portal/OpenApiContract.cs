using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace TestSupport.Portal;

/// <summary>
/// The served OpenAPI document as a contract every API response is held to: its status is listed for the operation,
/// each header it carries beyond transport and security is documented, its media type is documented and its JSON body
/// is valid against the documented schema (JSON Schema 2020-12, the dialect of OpenAPI 3.1). A drift is a failure.
/// </summary>
public sealed class OpenApiContract
{
    private static readonly Uri DocumentUri = new("https://portal.test/openapi/v1.json");

    /// <summary>
    /// Headers that are not part of the API's contract: transport and framing, caching directives, and the security
    /// headers every response of the portal carries (SecurityHeadersTests hold those).
    /// </summary>
    private static readonly HashSet<string> Undocumented = new(StringComparer.OrdinalIgnoreCase)
    {
        "Date", "Server", "Content-Type", "Content-Length", "Transfer-Encoding", "Connection", "Vary", "Content-Encoding",
        "Cache-Control", "Pragma", "Expires", "X-Accel-Buffering",
        "Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Permissions-Policy",
        "Cross-Origin-Opener-Policy", "Cross-Origin-Resource-Policy", "Cross-Origin-Embedder-Policy", "Strict-Transport-Security",
    };

    private readonly JsonObject _document;
    private readonly BuildOptions _build;
    private readonly Dictionary<string, JsonSchema> _schemas = [];
    private readonly List<(string[] Segments, JsonObject Item)> _paths;

    private OpenApiContract(string text)
    {
        _document = JsonNode.Parse(text)!.AsObject();
        _build = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        _build.SchemaRegistry.Register(DocumentUri, new JsonElementBaseDocument(JsonDocument.Parse(text).RootElement.Clone(), DocumentUri));
        _paths = _document["paths"]!.AsObject().Select(p => (Segments(p.Key), p.Value!.AsObject())).ToList();
    }

    public static OpenApiContract Parse(string text) => new(text);

    /// <summary>Every way the response disagrees with the document; empty when it agrees.</summary>
    public IReadOnlyList<string> Check(HttpRequestMessage request, HttpResponseMessage response, byte[]? body)
    {
        var method = request.Method == HttpMethod.Head ? "get" : request.Method.Method.ToLowerInvariant();
        var path = request.RequestUri!.AbsolutePath;
        var status = (int)response.StatusCode;
        var what = $"{request.Method} {request.RequestUri.PathAndQuery} answered {status}";
        var problems = new List<string>();

        var (template, item) = Match(path);
        var operation = item?[method]?.AsObject();
        if (operation is null)
        {
            // Not an operation of the document: only the framework's answers for what does not exist, as problems.
            if (request.Method == HttpMethod.Options && item is not null)
                return status == 204 && response.Content.Headers.Allow.Count > 0 ? [] : [$"{what}: OPTIONS answers 204 with Allow"];
            if (status is not (404 or 405)) return [$"{what}: the document has no {method} {template ?? path}"];
            return CheckProblem(what, response, body);
        }

        var responses = operation["responses"]!.AsObject();
        var documented = responses[status.ToString()] ?? responses[$"{status / 100}XX"] ?? responses["default"];
        if (documented is null)
            return [$"{what}: {status} is not among the responses of {method} {template} ({string.Join(", ", responses.Select(r => r.Key))})"];
        var answer = Resolve(documented)!.AsObject();

        var headers = answer["headers"]?.AsObject();
        foreach (var name in response.Headers.Concat(response.Content.Headers).Select(h => h.Key).Where(h => !Undocumented.Contains(h)))
            if (headers is null || !headers.Any(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)))
                problems.Add($"{what}: the response header {name} is not documented for {status} of {method} {template}");

        var content = answer["content"]?.AsObject();
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (request.Method == HttpMethod.Head || status is 204 or 304) return problems;
        if (body is null) return problems; // a stream, read by the test as it comes
        if (body.Length == 0)
        {
            if (content is { Count: > 0 }) problems.Add($"{what}: an empty body, where the document promises {string.Join(", ", content.Select(c => c.Key))}");
            return problems;
        }
        if (content is null || mediaType is null || content[mediaType] is not { } media)
        {
            problems.Add($"{what}: {mediaType ?? "no content type"} is not documented ({string.Join(", ", content?.Select(c => c.Key) ?? [])})");
            return problems;
        }
        if (IsJson(mediaType) && media["schema"] is not null)
            problems.AddRange(Validate(what, JsonPointerTo("paths", template!, method, "responses", DocumentedStatus(responses, status), "content", mediaType, "schema"), body));
        return problems;
    }

    private IReadOnlyList<string> CheckProblem(string what, HttpResponseMessage response, byte[]? body)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            return [$"{what}: not problem+json but {response.Content.Headers.ContentType?.MediaType ?? "no content type"}"];
        return body is null ? [] : Validate(what, "#/components/schemas/ProblemDetails", body);
    }

    private IReadOnlyList<string> Validate(string what, string pointer, byte[] body)
    {
        JsonElement instance;
        try { instance = JsonDocument.Parse(body).RootElement; }
        catch (JsonException e) { return [$"{what}: the body is not JSON: {e.Message}"]; }
        if (!_schemas.TryGetValue(pointer, out var schema))
            _schemas[pointer] = schema = JsonSchema.FromText($$"""{ "$ref": "{{DocumentUri}}{{pointer}}" }""", _build);
        var result = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid) return [];
        var errors = (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Value}"))
            .Take(8);
        return [$"{what}: the body does not match {pointer}:\n    {string.Join("\n    ", errors)}\n    body: {Truncate(System.Text.Encoding.UTF8.GetString(body))}"];
    }

    private (string? Template, JsonObject? Item) Match(string path)
    {
        var segments = Segments(path);
        var best = _paths.Where(p => p.Segments.Length == segments.Length
                && p.Segments.Zip(segments).All(s => s.First.StartsWith('{') || string.Equals(s.First, s.Second, StringComparison.Ordinal)))
            .OrderByDescending(p => p.Segments.Count(s => !s.StartsWith('{')))
            .FirstOrDefault();
        return best.Item is null ? (null, null) : (_document["paths"]!.AsObject().First(p => ReferenceEquals(p.Value, best.Item)).Key, best.Item);
    }

    private static string DocumentedStatus(JsonObject responses, int status) =>
        responses.ContainsKey(status.ToString()) ? status.ToString() : responses.ContainsKey($"{status / 100}XX") ? $"{status / 100}XX" : "default";

    private JsonNode? Resolve(JsonNode node)
    {
        while (node["$ref"] is JsonValue reference)
        {
            JsonNode? target = _document;
            foreach (var part in ((string)reference!)[2..].Split('/')) target = target?[Unescape(part)];
            node = target!;
        }
        return node;
    }

    private static string JsonPointerTo(params string[] parts) => "#/" + string.Join('/', parts.Select(p => Uri.EscapeDataString(p.Replace("~", "~0").Replace("/", "~1"))));

    private static string Unescape(string part) => Uri.UnescapeDataString(part).Replace("~1", "/").Replace("~0", "~");

    private static string[] Segments(string path) => path.Trim('/').Split('/');

    private static bool IsJson(string mediaType) => mediaType is "application/json" or "application/problem+json" || mediaType.EndsWith("+json", StringComparison.Ordinal);

    private static string Truncate(string text) => text.Length > 600 ? text[..600] + "…" : text;

    /// <summary>The body as the client would read it, decompressed when it came compressed.</summary>
    public static byte[] Decoded(byte[] body, HttpContentHeaders headers)
    {
        var encoding = headers.ContentEncoding.LastOrDefault();
        if (encoding is null || body.Length == 0) return body;
        using Stream decoder = encoding switch
        {
            "br" => new BrotliStream(new MemoryStream(body), CompressionMode.Decompress),
            "gzip" => new GZipStream(new MemoryStream(body), CompressionMode.Decompress),
            _ => throw new InvalidOperationException($"Unknown Content-Encoding {encoding}"),
        };
        using var plain = new MemoryStream();
        decoder.CopyTo(plain);
        return plain.ToArray();
    }
}

/// <summary>
/// Every API response a test client receives passes through <see cref="OpenApiContract"/>: a response that disagrees with
/// the served document fails the test that made the request, with what disagrees.
/// </summary>
public sealed class OpenApiValidatingHandler(Func<HttpMessageInvoker, Uri, Task<OpenApiContract>> contract) : DelegatingHandler
{
    public OpenApiValidatingHandler WithInner(HttpMessageHandler inner)
    {
        InnerHandler = inner;
        return this;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (request.RequestUri?.AbsolutePath.StartsWith("/api/", StringComparison.Ordinal) != true) return response;
        byte[]? body = null;
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            body = OpenApiContract.Decoded(await response.Content.ReadAsByteArrayAsync(cancellationToken), response.Content.Headers);
        }
        var problems = (await contract(new HttpMessageInvoker(InnerHandler!, disposeHandler: false), new Uri(request.RequestUri, "/openapi/v1.json"))).Check(request, response, body);
        Assert.True(problems.Count == 0, "The response disagrees with /openapi/v1.json:\n" + string.Join("\n", problems));
        return response;
    }
}
