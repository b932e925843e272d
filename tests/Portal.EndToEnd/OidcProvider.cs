using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using TestSupport;
using TestSupport.Portal;

namespace Portal.EndToEnd;

/// <summary>
/// A real OpenID Connect provider, node-oidc-provider (tests/Portal.EndToEnd/Oidc, pinned by its
/// package-lock.json), in a node process on 127.0.0.1 at a port it picks itself. Started on first
/// use, once per test class; killed on disposal, and it exits by itself when this process dies
/// (its stdin closes). Locally, missing node or node_modules skip the test; in CI they fail it.
/// </summary>
public sealed class OidcProvider : IAsyncDisposable
{
    public const string ClientId = "portal", ClientSecret = "portal-test-secret";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<string> _output = [];
    private Process? _process;
    private HttpClient? _control;

    public static string Folder { get; } = Path.Combine(SharedData.RepositoryRoot, "tests", "Portal.EndToEnd", "Oidc");

    public Uri Issuer { get; private set; } = null!;

    /// <summary>Starts the provider unless it runs already; skips (fails in CI) when it cannot run here.</summary>
    public async Task StartAsync()
    {
        await _gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            if (_process is { HasExited: false }) return;
            var node = ExternalTool.Require("node");
            if (!Directory.Exists(Path.Combine(Folder, "node_modules", "oidc-provider")))
            {
                var message = $"oidc-provider is not installed: run `npm ci --prefix {Folder}` (.ci/run does).";
                if (SharedData.IsCi) Assert.Fail(message);
                Assert.Skip(message);
            }
            Issuer = await LaunchAsync(node);
            _control = new HttpClient { BaseAddress = Issuer, Timeout = TimeSpan.FromSeconds(10) };
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Uri> LaunchAsync(string node)
    {
        var start = new ProcessStartInfo(node, ["provider.mjs"])
        {
            WorkingDirectory = Folder,
            RedirectStandardInput = true, // closed when this process dies: the provider then exits
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["OIDC_CLIENT_ID"] = ClientId, ["OIDC_CLIENT_SECRET"] = ClientSecret, ["NODE_ENV"] = "test" },
        };
        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            Record(e.Data);
            if (e.Data.StartsWith("{\"issuer\"", StringComparison.Ordinal))
                ready.TrySetResult(new Uri((string)JsonNode.Parse(e.Data)!["issuer"]!));
        };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Record(e.Data); };
        _process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"The OIDC provider exited early:\n{Output}"));
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        try
        {
            return await ready.Task.WaitAsync(StartTimeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The OIDC provider did not start within {StartTimeout.TotalSeconds} s:\n{Output}");
        }
    }

    private void Record(string line)
    {
        lock (_output) _output.Add(line);
    }

    /// <summary>Everything the provider printed, for failure messages.</summary>
    public string Output
    {
        get { lock (_output) return string.Join('\n', _output); }
    }

    /// <summary>
    /// Creates or changes an account: <paramref name="claims"/> are what userinfo answers for it, and
    /// what its ID tokens carry besides <c>sub</c> when <paramref name="alsoInIdToken"/>.
    /// </summary>
    public async Task SetAccountAsync(string id, object claims, bool alsoInIdToken = false)
    {
        var response = await _control!.PutAsJsonAsync($"/test/accounts/{Uri.EscapeDataString(id)}", new { claims, alsoInIdToken }, TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"Setting account {id} answered {(int)response.StatusCode}");
    }

    /// <summary>For which uses the portal's sign-ins asked the account's claims: "id_token", "userinfo".</summary>
    public async Task<IReadOnlyList<string>> ClaimUsesAsync(string id)
    {
        var account = await _control!.GetFromJsonAsync<JsonElement>($"/test/accounts/{Uri.EscapeDataString(id)}", TestContext.Current.CancellationToken);
        return account.GetProperty("uses").EnumerateArray().Select(u => u.GetString()!).ToList();
    }

    /// <summary>Points the portal at this provider, as an operator would with a local test IdP.</summary>
    public void Configure(PortalAppFactory portal, string? adminTeam = null)
    {
        portal.Settings["Authentication:Oidc:Authority"] = Issuer.ToString();
        portal.Settings["Authentication:Oidc:ClientId"] = ClientId;
        portal.Settings["Authentication:Oidc:ClientSecret"] = ClientSecret;
        portal.Settings["Authentication:Oidc:DisplayName"] = "Test IdP";
        portal.Settings["Authentication:Oidc:RequireHttpsMetadata"] = "false";
        portal.Settings["Authentication:Oidc:AdminTeam"] = adminTeam;
    }

    public async ValueTask DisposeAsync()
    {
        _control?.Dispose();
        if (_process is null) return;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException) { } // exited in between
        _process.Dispose();
        _gate.Dispose();
    }
}
