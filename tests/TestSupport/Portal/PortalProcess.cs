using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace TestSupport.Portal;

/// <summary>
/// The real portal as a separate process — <c>dotnet Portal.dll --urls http://127.0.0.1:0</c> from
/// the Portal project's build output — on its own SQLite file in a fresh folder. It can be killed
/// (SIGKILL), stopped (SIGTERM) and started again on the same folder. Everything it prints is kept
/// in <see cref="Output"/>; every answer with a 5xx status is counted in <see cref="ServerErrors"/>.
/// Settings are the configuration keys an operator would set, passed as environment variables.
/// </summary>
public sealed partial class PortalProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    private readonly bool _ownsDirectory;
    private readonly string _portalDll;
    private readonly string _workingDirectory;
    private readonly List<string> _output = [];
    private readonly List<string> _serverErrors = [];
    private Process? _process;
    private HttpClient? _http;
    private int _starts;

    /// <param name="dataDirectory">Another instance's folder, e.g. a restored backup; null for a fresh one.</param>
    /// <param name="portalDll">Another copy of the portal, e.g. a published one; null for the build output.</param>
    /// <param name="workingDirectory">The current directory of the process; null for the folder of <paramref name="portalDll"/>.</param>
    public PortalProcess(string? dataDirectory = null, string? portalDll = null, string? workingDirectory = null)
    {
        _portalDll = portalDll ?? PortalDll;
        _workingDirectory = workingDirectory ?? Path.GetDirectoryName(_portalDll)!;
        _ownsDirectory = dataDirectory is null;
        DataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("portal-process-").FullName;
        foreach (var (key, value) in TestCredentials.BootstrapSettings) Settings[key] = value;
    }

    public string DataDirectory { get; }

    public string DatabasePath => Path.Combine(DataDirectory, "portal.db");

    /// <summary>Configuration overrides (<c>Deployments:LeaseDuration</c>), applied at the next start.</summary>
    public Dictionary<string, string?> Settings { get; } = new()
    {
        ["Provisioning:Simulated:TimeScale"] = "0",
        // A degraded Consul is reported within a second, not after minutes of retries.
        ["Health:VerifyTimeout"] = "00:00:00.500",
        ["Health:VerifyRetryInterval"] = "00:00:00.100",
        ["Deployments:PollInterval"] = "00:00:00.200",
        ["Deployments:LeaseDuration"] = "00:00:03",
    };

    /// <summary>A client for the running instance, authorized with the test credentials.</summary>
    public HttpClient Http => _http ?? throw new InvalidOperationException("The portal is not running.");

    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("The portal is not running.");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Requests the portal answered with a 5xx status, over every run.</summary>
    public IReadOnlyList<string> ServerErrors { get { lock (_serverErrors) return [.. _serverErrors]; } }

    /// <summary>Everything every run printed on stdout and stderr, in order.</summary>
    public IReadOnlyList<string> OutputLines { get { lock (_output) return [.. _output]; } }

    public string Output => string.Join('\n', OutputLines);

    /// <summary>Starts the portal and returns once it answers <c>/health/live</c>.</summary>
    public async Task StartAsync()
    {
        if (IsRunning) throw new InvalidOperationException("The portal is already running.");
        var start = ++_starts;
        var info = StartInfo(["--urls", "http://127.0.0.1:0"]);
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        void OnLine(string? line)
        {
            if (line is null) return;
            lock (_output) _output.Add(line);
            if (ListeningOn().Match(line) is { Success: true } match) listening.TrySetResult(new Uri(match.Value));
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException(
            $"The portal exited during start (code {process.ExitCode}):\n{Tail()}"));
        lock (_output) _output.Add($"=== portal start #{start}");
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var address = await listening.Task.WaitAsync(StartTimeout, Ct);
        _http?.Dispose();
        _http = new HttpClient(new ErrorRecorder(this) { InnerHandler = new SocketsHttpHandler() }) { BaseAddress = address }.Authorize();
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                using var live = await _http.GetAsync("/health/live", Ct);
                if (live.IsSuccessStatusCode) break;
            }
            catch (HttpRequestException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The portal did not become live:\n{Tail()}");
            await Task.Delay(100, Ct);
        }
        await EnsureDefaultTeamAsync();
    }

    /// <summary>The team clusters land in when a test names none (<c>PortalAppFactory.DefaultTeam</c>).</summary>
    public const string DefaultTeam = "platform";

    /// <summary>Clusters belong to existing teams: the bootstrap admin creates the default one, as automation would.</summary>
    private async Task EnsureDefaultTeamAsync()
    {
        using var response = await Http.PostAsJsonAsync("/api/v1/teams", new { name = DefaultTeam, displayName = "Platform" }, Ct);
        // 409: created by an earlier start on the same data. 404/405: a portal without a teams API, which needs no team.
        Assert.True(response.IsSuccessStatusCode || response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed,
            $"Creating the default team answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        var process = _process ?? throw new InvalidOperationException("The portal is not running.");
        process.Kill();
        await process.WaitForExitAsync(Ct).WaitAsync(ExitTimeout, Ct);
        lock (_output) _output.Add("=== portal killed (SIGKILL)");
    }

    /// <summary>SIGTERM, as <c>docker stop</c> sends; waits for the process to exit and returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        var process = _process ?? throw new InvalidOperationException("The portal is not running.");
        if (kill(process.Id, SigTerm) != 0) throw new InvalidOperationException($"kill({process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        await process.WaitForExitAsync(Ct).WaitAsync(ExitTimeout, Ct);
        lock (_output) _output.Add($"=== portal stopped (SIGTERM), exit code {process.ExitCode}");
        return process.ExitCode;
    }

    /// <summary>Runs <c>dotnet Portal.dll &lt;args&gt;</c> with this instance's settings to completion (a CLI verb).</summary>
    public async Task<(int ExitCode, string Output)> RunVerbAsync(params string[] args)
    {
        using var process = Process.Start(StartInfo(args))!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct).WaitAsync(ExitTimeout, Ct);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>The portal's database, read directly (unpooled, never creating the file).</summary>
    public SqliteConnection OpenDatabase()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        connection.Open();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (IsRunning)
        {
            _process!.Kill();
            await _process.WaitForExitAsync(CancellationToken.None);
        }
        _process?.Dispose();
        _http?.Dispose();
        TestContext.Current.TestOutputHelper?.WriteLine(Tail(60));
        if (_ownsDirectory)
            try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
    }

    private ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _workingDirectory,
        };
        info.ArgumentList.Add(_portalDll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var inherited in new[] { "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_ENVIRONMENT" })
            info.Environment.Remove(inherited);
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        info.Environment["ConnectionStrings__Portal"] = $"Data Source={DatabasePath}";
        foreach (var (key, value) in Settings)
            if (value is null) info.Environment.Remove(key.Replace(":", "__"));
            else info.Environment[key.Replace(":", "__")] = value;
        return info;
    }

    private string Tail(int lines = 40) => string.Join('\n', OutputLines.TakeLast(lines));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The Portal project's own build output (same configuration as the tests), else the copy beside the tests.</summary>
    public static string PortalDll { get; } = FindPortalDll();

    private static string FindPortalDll()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = testOutput.Parent!.Name;
        var built = Path.Combine(SharedData.RepositoryRoot, "src", "Portal", "bin", configuration, testOutput.Name, "Portal.dll");
        if (File.Exists(built)) return built;
        var beside = Path.Combine(testOutput.FullName, "Portal.dll");
        return File.Exists(beside) ? beside : throw new FileNotFoundException($"Portal.dll is neither at {built} nor at {beside}.");
    }

    private const int SigTerm = 15;

    // .NET can send SIGKILL (Process.Kill) but not SIGTERM; libc can, with no dependency on a kill binary.
    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+")]
    private static partial Regex ListeningOn();

    private sealed class ErrorRecorder(PortalProcess owner) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if ((int)response.StatusCode >= 500)
                lock (owner._serverErrors) owner._serverErrors.Add($"{request.Method} {request.RequestUri?.PathAndQuery} → {(int)response.StatusCode}");
            return response;
        }
    }
}
