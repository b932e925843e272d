using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FakeSsm;

/// <summary>One request as the stand-in received it, headers and body unchanged, so tests can prove what was (not) sent.</summary>
public sealed record RecordedRequest(string Method, string Path, string? Action, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public override string ToString() => $"{Method} {Path} {Action}\n{string.Join("\n", Headers.Select(h => $"{h.Key}: {h.Value}"))}\n\n{Body}";
}

/// <summary>
/// The SSM stand-in over HTTP: <c>POST /</c> with <c>X-Amz-Target: AmazonSSM.&lt;Action&gt;</c> and an
/// <c>application/x-amz-json-1.1</c> body, errors as <c>{"__type", "message"}</c>. Besides SSM it serves
/// <c>GET /_fake/requests</c> (what it received) and <c>PUT /_fake/datacenters/{joinTag}</c> (a datacenter's scenario),
/// so end-to-end runs can drive it too.
/// </summary>
public sealed class FakeSsmServer : IAsyncDisposable
{
    public const string ContentType = "application/x-amz-json-1.1", TargetPrefix = "AmazonSSM.";

    private readonly WebApplication _app;
    private readonly List<RecordedRequest> _requests = [];

    private FakeSsmServer(WebApplication app, FakeSystemsManager ssm)
    {
        _app = app;
        Ssm = ssm;
    }

    public FakeSystemsManager Ssm { get; }

    /// <summary>Where it listens, once started (port 0 resolved).</summary>
    public Uri Url => new(_app.Urls.First());

    public IReadOnlyList<RecordedRequest> Requests
    {
        get { lock (_requests) return _requests.ToList(); }
    }

    /// <summary>A datacenter's scenario, keyed by its consul-join tag value.</summary>
    public FakeDatacenter Datacenter(string joinTag) => Ssm.Datacenter(joinTag);

    /// <summary>On 127.0.0.1 with a free port, for a test.</summary>
    public static Task<FakeSsmServer> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(["--urls", "http://127.0.0.1:0"], cancellationToken);

    public static async Task<FakeSsmServer> StartAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var server = Create(args);
        await server._app.StartAsync(cancellationToken);
        return server;
    }

    /// <summary>Until the host stops (Ctrl+C, SIGTERM), as the exe does; the first line printed is the URL it listens on.</summary>
    public static async Task RunAsync(string[] args, Action<FakeSystemsManager> configure)
    {
        await using var server = Create(args);
        configure(server.Ssm);
        await server._app.StartAsync();
        Console.WriteLine($"FakeSsm listening on {server.Url}");
        await server._app.WaitForShutdownAsync();
    }

    private static FakeSsmServer Create(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var server = new FakeSsmServer(app, new FakeSystemsManager(TimeProvider.System));
        app.MapPost("/", server.HandleAsync);
        app.MapGet("/_fake/requests", () => Results.Text(JsonSerializer.Serialize(server.Requests), "application/json"));
        app.MapPut("/_fake/datacenters/{joinTag}", async (string joinTag, HttpRequest request) =>
        {
            var scenario = await JsonSerializer.DeserializeAsync<Scenario>(request.Body, ScenarioJson) ?? new Scenario();
            server.Ssm.Change(joinTag, scenario.Apply);
            return Results.NoContent();
        });
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var body = await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted);
        var target = context.Request.Headers["X-Amz-Target"].ToString();
        var action = target.StartsWith(TargetPrefix, StringComparison.Ordinal) ? target[TargetPrefix.Length..] : null;
        lock (_requests)
            _requests.Add(new RecordedRequest(context.Request.Method, context.Request.Path, action,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));

        JsonObject response;
        var status = HttpStatusCode.OK;
        try
        {
            if (string.IsNullOrEmpty(context.Request.Headers.Authorization))
                throw new SsmError("MissingAuthenticationTokenException", "Request is missing Authentication Token");
            if (action is null) throw new SsmError("UnknownOperationException", $"X-Amz-Target '{target}' is not an {TargetPrefix} action.");
            if (!context.Request.ContentType?.StartsWith(ContentType, StringComparison.Ordinal) ?? true)
                throw new SsmError("SerializationException", $"Content-Type must be {ContentType}.");
            var request = JsonNode.Parse(body.Length == 0 ? "{}" : body) as JsonObject ?? throw new SsmError("SerializationException", "The body is not a JSON object.");
            response = Ssm.Handle(action, request);
        }
        catch (JsonException e)
        {
            (status, response) = (HttpStatusCode.BadRequest, Error("SerializationException", e.Message));
        }
        catch (InvalidOperationException e)
        {
            // A value of the wrong JSON type, e.g. a number where SSM expects a string.
            (status, response) = (HttpStatusCode.BadRequest, Error("SerializationException", e.Message));
        }
        catch (SsmError e)
        {
            (status, response) = (e.Status, Error(e.Code, e.Message));
        }

        context.Response.StatusCode = (int)status;
        context.Response.ContentType = ContentType;
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        await context.Response.WriteAsync(response.ToJsonString(), context.RequestAborted);
    }

    private static JsonObject Error(string code, string message) => new() { ["__type"] = code, ["message"] = message };

    private static readonly JsonSerializerOptions ScenarioJson = new(JsonSerializerDefaults.Web);

    /// <summary>The body of <c>PUT /_fake/datacenters/{joinTag}</c>; faults in kebab case (<c>no-leader</c>).</summary>
    private sealed record Scenario(int? Servers = null, bool? Online = null, string[]? Faults = null, int? FailingServers = null,
        int? TerminatedServers = null, int? InvisiblePolls = null, int? PendingPolls = null)
    {
        public void Apply(FakeDatacenter datacenter)
        {
            if (Servers is { } servers) datacenter.Servers = servers;
            if (Online is { } online) datacenter.Online = online;
            if (FailingServers is { } failing) datacenter.FailingServers = failing;
            if (TerminatedServers is { } terminated) datacenter.TerminatedServers = terminated;
            if (InvisiblePolls is { } invisible) datacenter.InvisiblePolls = invisible;
            if (PendingPolls is { } pending) datacenter.PendingPolls = pending;
            if (Faults is null) return;
            datacenter.Faults.Clear();
            foreach (var fault in Faults) datacenter.Faults.Add(FaultNames.Parse(fault));
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>Faults as the command line and the control endpoint spell them: <c>no-leader</c>, <c>dns-fails</c>, …</summary>
public static class FaultNames
{
    public static string Of(ConsulFault fault) =>
        string.Concat(fault.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    public static ConsulFault Parse(string name) =>
        Enum.GetValues<ConsulFault>().FirstOrDefault(f => Of(f) == name, (ConsulFault)(-1)) is var fault && Enum.IsDefined(fault)
            ? fault
            : throw new ArgumentException($"'{name}' is not a fault; use one of {string.Join(", ", Enum.GetValues<ConsulFault>().Select(Of))}.");
}
