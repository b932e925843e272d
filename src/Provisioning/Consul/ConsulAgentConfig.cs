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
public sealed record ConsulAddresses(string Http);

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
        BootLog = "/var/log/user-data.log",
        SystemLog = "/var/log/messages";
}
