using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Portal.ProcessTests.Support;

/// <summary>
/// A stand-in OpenTelemetry collector on 127.0.0.1: accepts OTLP/HTTP protobuf exports and keeps
/// their bodies per signal. Protobuf stores strings as plain UTF-8, so instrument, span and scope
/// names can be found in a body without decoding it.
/// </summary>
internal sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<(string Path, byte[] Body)> _received = [];
    private readonly Task _loop;

    public OtlpReceiver()
    {
        Endpoint = $"http://127.0.0.1:{FreePort()}/";
        _listener.Prefixes.Add(Endpoint);
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Endpoint { get; }

    /// <summary>True when an export to <paramref name="path"/> (<c>/v1/metrics</c>, <c>/v1/traces</c>, <c>/v1/logs</c>) contained <paramref name="text"/>.</summary>
    public bool Received(string path, string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        lock (_received) return _received.Any(r => r.Path == path && r.Body.AsSpan().IndexOf(needle) >= 0);
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException) { return; }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            lock (_received) _received.Add((context.Request.Url!.AbsolutePath, body.ToArray()));
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
