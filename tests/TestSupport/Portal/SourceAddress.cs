using System.Net;
using System.Net.Sockets;

namespace TestSupport.Portal;

/// <summary>
/// Clients of a portal on Kestrel that connect from a chosen loopback address (127.0.0.2, 127.0.0.3, …:
/// all of 127.0.0.0/8 is local on Linux), so that per-address limits meet distinct, real remote addresses.
/// </summary>
public static class SourceAddress
{
    public static HttpClient Client(string baseUrl, string source) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = true,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    }) { BaseAddress = new Uri(baseUrl) };
}
