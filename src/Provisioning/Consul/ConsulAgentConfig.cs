using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Provisioning.Consul;

/// <summary>
/// The Consul agent settings of consul-topology.md, one property per documented key
/// (https://developer.hashicorp.com/consul/docs/reference/agent/configuration-file).
/// Names map to Consul's snake_case keys; unset optional parts are left out.
/// </summary>
public sealed record ConsulAgentConfig
{
    public required string Datacenter { get; init; }

    /// <summary>Where ACLs are authoritative; the same on every agent of the cluster.</summary>
    public required string PrimaryDatacenter { get; init; }
    public required string NodeName { get; init; }
    public string DataDir { get; init; } = ConsulPaths.DataDir;
    public required string BindAddr { get; init; }
    public required string AdvertiseAddr { get; init; }
    public string ClientAddr { get; init; } = "127.0.0.1";
    public ConsulAddresses? Addresses { get; init; }
    public bool? Server { get; init; }
    public int? BootstrapExpect { get; init; }
    public required IReadOnlyList<string> RetryJoin { get; init; }
    public IReadOnlyList<string>? RetryJoinWan { get; init; }
    public required IReadOnlyList<string> Recursors { get; init; }
    public required string Encrypt { get; init; }
    public ConsulUiConfig UiConfig { get; init; } = new(true);
    public bool LeaveOnTerminate { get; init; } = true;
    public ConsulPerformance Performance { get; init; } = new(1);
    public ConsulAutopilot? Autopilot { get; init; }

    /// <summary>Plain HTTP off, HTTPS on: the API is only ever reached over TLS.</summary>
    public ConsulPorts Ports { get; init; } = new(Http: -1, Https: ConsulPorts.HttpsPort);

    public required ConsulAcl Acl { get; init; }
    public required ConsulTls Tls { get; init; }
    public required ConsulAutoEncrypt AutoEncrypt { get; init; }
    public string LogFile { get; init; } = ConsulPaths.LogDir + "/";
    public string LogLevel { get; init; } = "INFO";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        // The file is read by Consul, not a browser: '+' and '=' in keys and join strings stay readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Options);
}

/// <summary>Per-listener bind addresses; each may be a space-separated list.</summary>
public sealed record ConsulAddresses(string Https);

/// <summary>-1 disables a listener.</summary>
public sealed record ConsulPorts(int Http, int Https)
{
    /// <summary>Consul's HTTPS API and UI; plain HTTP (8500) is switched off on every agent.</summary>
    public const int HttpsPort = 8501;
}

/// <summary>ACLs, default deny (consul-topology.md, "ACLs, default deny").</summary>
public sealed record ConsulAcl(
    bool Enabled,
    string DefaultPolicy,
    string DownPolicy,
    bool EnableTokenPersistence,
    bool? EnableTokenReplication,
    ConsulAclTokens Tokens);

/// <summary>The tokens an agent starts with; unset ones are left out.</summary>
public sealed record ConsulAclTokens(
    string? InitialManagement = null,
    string? Agent = null,
    string? Replication = null,
    string? Dns = null);

/// <summary>The <c>tls</c> stanza: defaults for every listener, then per-interface overrides.</summary>
public sealed record ConsulTls(ConsulTlsDefaults Defaults, ConsulTlsInternalRpc InternalRpc, ConsulTlsHttps? Https);

public sealed record ConsulTlsDefaults(string CaFile, string? CertFile, string? KeyFile, bool VerifyOutgoing);

public sealed record ConsulTlsInternalRpc(bool? VerifyIncoming, bool VerifyServerHostname);

public sealed record ConsulTlsHttps(bool VerifyIncoming);

/// <summary>Servers hand clients their certificates (<c>allow_tls</c>); clients ask for one (<c>tls</c>).</summary>
public sealed record ConsulAutoEncrypt(bool? AllowTls = null, bool? Tls = null);

public sealed record ConsulUiConfig(bool Enabled);

public sealed record ConsulPerformance(int RaftMultiplier);

/// <summary>Autopilot removes dead servers so a replaced instance does not leave a stale Raft peer behind.</summary>
public sealed record ConsulAutopilot(bool CleanupDeadServers, string LastContactThreshold, int MaxTrailingLogs, string ServerStabilizationTime);

public static class ConsulPaths
{
    public const string
        BinaryDir = "/usr/local/bin",
        Binary = BinaryDir + "/consul",
        ConfigDir = "/etc/consul.d",
        ConfigFile = ConfigDir + "/consul.json",
        DataDir = "/opt/consul/data",
        LogDir = "/var/log/consul",
        TlsDir = ConfigDir + "/tls",
        CaCertificate = TlsDir + "/ca.pem",
        ServerCertificate = TlsDir + "/server.pem",
        ServerKey = TlsDir + "/server-key.pem",
        CliTrustBundle = TlsDir + "/cli-ca-bundle.pem",
        CliEnvironment = "/etc/profile.d/consul.sh",
        AclBootstrapDir = "/etc/consul-acl",
        BootLog = "/var/log/user-data.log",
        SystemLog = "/var/log/messages";
}
