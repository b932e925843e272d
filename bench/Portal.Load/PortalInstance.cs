using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Portal.Load;

/// <summary>
/// The published portal as an operator runs it: <c>dotnet /path/Portal.dll</c> started from another folder, on its own
/// SQLite file, with the bootstrap admin from the environment. Every start gets a fresh folder and port.
/// </summary>
public sealed class PortalInstance : IAsyncDisposable
{
    public const string AdminEmail = "admin@bench.local";
    public const string AdminPassword = "Bench-password-2026!";
    public const string ApiToken = "pat_bench0000000000000000000000000000000000";
    public const string Team = "platform";

    private readonly Process _process;
    private readonly StreamWriter _log;

    private PortalInstance(Process process, StreamWriter log, Uri address, string folder, TimeSpan startToReady)
    {
        _process = process;
        _log = log;
        Address = address;
        Folder = folder;
        StartToReady = startToReady;
        Http = Client(address, authorized: true);
    }

    public Uri Address { get; }
    public string Folder { get; }

    /// <summary>From <c>Process.Start</c> to the first 200 of <c>/health/ready</c>.</summary>
    public TimeSpan StartToReady { get; }

    /// <summary>Authorized as the bootstrap admin; answers are not decompressed, so sizes are as sent.</summary>
    public HttpClient Http { get; }

    public int ProcessId => _process.Id;

    /// <summary>Resident memory of the portal process now, in MiB (VmRSS).</summary>
    public double RssMiB()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
        throw new InvalidOperationException("No VmRSS in /proc status.");
    }

    /// <summary>A client of this portal that keeps its own connections (e.g. one per SSE watcher, many at once).</summary>
    public static HttpClient Client(Uri address, bool authorized)
    {
        var http = new HttpClient(new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            MaxConnectionsPerServer = int.MaxValue,
        }) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(5) };
        if (authorized) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiToken);
        return http;
    }

    /// <param name="publishFolder">Where <c>dotnet publish</c> put Portal.dll.</param>
    /// <param name="settings">Configuration keys (<c>Provisioning:Simulated:TimeScale</c>), passed as environment variables.</param>
    /// <param name="contentRoot">Passed as <c>--contentRoot</c> when set (see <see cref="Program"/> on why it may be needed).</param>
    /// <param name="workRoot">The run's scratch folder; this start gets its own folder in it, kept for its log.</param>
    public static async Task<PortalInstance> StartAsync(string publishFolder, string workRoot, string name, IReadOnlyDictionary<string, string> settings, string? contentRoot)
    {
        var folder = Path.Combine(workRoot, name);
        Directory.CreateDirectory(folder);
        var port = FreePort();
        var address = new Uri($"http://127.0.0.1:{port}");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = folder, // not the publish folder: as an operator starting it from anywhere
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(publishFolder, "Portal.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(address.ToString().TrimEnd('/'));
        if (contentRoot is not null)
        {
            info.ArgumentList.Add("--contentRoot");
            info.ArgumentList.Add(contentRoot);
        }
        foreach (var inherited in new[] { "ASPNETCORE_URLS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ASPNETCORE_HTTP_PORTS" })
            info.Environment.Remove(inherited);
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings:Portal"] = $"Data Source={Path.Combine(folder, "portal.db")}",
            ["Identity:BootstrapAdmin:Email"] = AdminEmail,
            ["Identity:BootstrapAdmin:Password"] = AdminPassword,
            ["Identity:BootstrapAdmin:ApiToken"] = ApiToken,
            // The limits stay in the pipeline (their cost is measured) but must not cap what is measured.
            ["RateLimiting:PermitsPerMinute"] = "1000000",
            ["RateLimiting:AnonymousPermitsPerMinute"] = "1000000",
            ["RateLimiting:SignInPermitsPerMinute"] = "10000",
        };
        foreach (var (key, value) in settings) environment[key] = value;
        foreach (var (key, value) in environment) info.Environment[key.Replace(":", "__")] = value;

        var log = new StreamWriter(Path.Combine(folder, "portal.log")) { AutoFlush = true };
        var clock = Stopwatch.StartNew();
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var probe = Client(address, authorized: false);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"The portal exited during start (code {process.ExitCode}); see {folder}/portal.log.");
            try
            {
                using var ready = await probe.GetAsync("/health/ready");
                if (ready.StatusCode == HttpStatusCode.OK) break;
            }
            catch (HttpRequestException) { }
            if (clock.Elapsed > TimeSpan.FromSeconds(120)) throw new TimeoutException($"The portal was not ready after 2 minutes; see {folder}/portal.log.");
            await Task.Delay(20);
        }
        var instance = new PortalInstance(process, log, address, folder, clock.Elapsed);
        using var team = await instance.Http.PostAsJsonAsync("/api/v1/teams", new { name = Team, displayName = "Platform" });
        if (!team.IsSuccessStatusCode && team.StatusCode != HttpStatusCode.Conflict)
            throw new InvalidOperationException($"Creating the team answered {(int)team.StatusCode}: {await team.Content.ReadAsStringAsync()}");
        return instance;
    }

    /// <summary>SIGTERM, as <c>docker stop</c>; SIGKILL if it does not end within 30 s.</summary>
    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _ = kill(_process.Id, 15);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await _process.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException) { _process.Kill(); await _process.WaitForExitAsync(); }
        }
        _process.Dispose();
        lock (_log) _log.Dispose();
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
