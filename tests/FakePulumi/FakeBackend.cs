using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Serialization;

namespace FakePulumi;

internal sealed record StateResource(string Name, string Type, JsonObject Inputs, JsonObject Outputs);

internal sealed class StackState
{
    public List<StateResource> Resources { get; set; } = [];

    /// <summary>Creates that started but never finished: the CLI was killed mid-step.</summary>
    public List<string> PendingCreates { get; set; } = [];
}

/// <summary>
/// The file backend (PULUMI_BACKEND_URL=file://…) laid out like the real one where the engine
/// looks: <c>.pulumi/stacks/&lt;project&gt;/&lt;stack&gt;.json</c> and
/// <c>.pulumi/locks/organization/&lt;project&gt;/&lt;stack&gt;/&lt;uuid&gt;.json</c>.
/// </summary>
internal sealed class FakeBackend(string folder, string project, string stack)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static FakeBackend For(string project, string stack)
    {
        var url = Environment.GetEnvironmentVariable("PULUMI_BACKEND_URL") ?? "";
        if (!url.StartsWith("file://", StringComparison.Ordinal))
            throw new CliError($"this fake pulumi supports only file:// backends, not '{url}'");
        return new FakeBackend(new Uri(url).LocalPath, project, stack);
    }

    private string StatePath => Path.Combine(folder, ".pulumi", "stacks", project, stack + ".json");
    private string LockFolder => Path.Combine(folder, ".pulumi", "locks", "organization", project, stack);

    public bool Exists => File.Exists(StatePath);

    public StackState Load() => Exists
        ? JsonSerializer.Deserialize<StackState>(File.ReadAllText(StatePath), Json)!
        : throw new CliError($"no stack named '{stack}' found");

    /// <summary>Written after every step, like the CLI's checkpoints.</summary>
    public void Save(StackState state)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(StatePath)!);
        File.WriteAllText(StatePath, JsonSerializer.Serialize(state, Json));
    }

    public void Remove() => File.Delete(StatePath);

    public string Lock()
    {
        var locks = Directory.Exists(LockFolder) ? Directory.GetFiles(LockFolder, "*.json") : [];
        if (locks.Length > 0)
            throw new CliError($"the stack is currently locked by {locks.Length} lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n" +
                string.Join("\n", locks.Select(l => $"  file://{l}: {File.ReadAllText(l)}")));
        Directory.CreateDirectory(LockFolder);
        var path = Path.Combine(LockFolder, Guid.NewGuid() + ".json");
        File.WriteAllText(path, new JsonObject
        {
            ["pid"] = Environment.ProcessId,
            ["username"] = Environment.UserName,
            ["hostname"] = Dns.GetHostName(),
            ["timestamp"] = DateTimeOffset.UtcNow.ToString("O"),
        }.ToJsonString());
        return path;
    }

    /// <summary>What <c>pulumi cancel</c> does on a file backend: every lock goes, whoever holds it.</summary>
    public int ClearLocks()
    {
        if (!Directory.Exists(LockFolder)) return 0;
        var locks = Directory.GetFiles(LockFolder, "*.json");
        foreach (var file in locks) File.Delete(file);
        return locks.Length;
    }
}

/// <summary>Pulumi.&lt;stack&gt;.yaml: the salt that checks the passphrase, and the config with secrets encrypted.</summary>
internal sealed class StackConfig(string path, string project)
{
    public const string PassphraseError = "getting secrets manager: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables";

    private Dictionary<string, object> _values = [];
    private string _salt = "";

    public static StackConfig Load(string directory, string project, string stack)
    {
        var config = new StackConfig(Path.Combine(directory, $"Pulumi.{stack}.yaml"), project);
        if (!File.Exists(config._path)) return config;
        var yaml = new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(File.ReadAllText(config._path)) ?? [];
        config._salt = yaml.GetValueOrDefault("encryptionsalt") as string ?? "";
        config._values = (yaml.GetValueOrDefault("config") as Dictionary<object, object> ?? []).ToDictionary(kv => (string)kv.Key, kv => kv.Value);
        return config;
    }

    private readonly string _path = path;

    public bool HasSecrets => _values.Values.Any(v => v is Dictionary<object, object>);

    /// <summary>A new salt bound to the passphrase, as <c>stack init</c> writes it.</summary>
    public void Initialise()
    {
        _salt = "v1:" + Convert.ToBase64String(Check(Passphrase()));
        Save();
    }

    public void Set(string key, string value, bool secret)
    {
        key = key.Contains(':') ? key : $"{project}:{key}";
        _values[key] = secret ? new Dictionary<string, object> { ["secure"] = "v1:" + Convert.ToBase64String(Xor(Encoding.UTF8.GetBytes(value), Passphrase())) } : value;
        Save();
    }

    /// <summary>Plain values, and secrets decrypted (callers mask them): needs the passphrase when there are secrets.</summary>
    public Dictionary<string, (string Value, bool Secret)> Values()
    {
        var passphrase = HasSecrets ? Passphrase() : "";
        return _values.ToDictionary(kv => kv.Key, kv => kv.Value is Dictionary<object, object> secure
            ? (Encoding.UTF8.GetString(Xor(Convert.FromBase64String(((string)secure["secure"])[3..]), passphrase)), true)
            : ((string)kv.Value, false));
    }

    private string Passphrase()
    {
        var passphrase = Environment.GetEnvironmentVariable("PULUMI_CONFIG_PASSPHRASE");
        if (string.IsNullOrEmpty(passphrase)) throw new CliError(PassphraseError);
        if (_salt.Length > 0 && _salt != "v1:" + Convert.ToBase64String(Check(passphrase)))
            throw new CliError("incorrect passphrase, please set PULUMI_CONFIG_PASSPHRASE to the correct passphrase or set PULUMI_CONFIG_PASSPHRASE_FILE to a file containing the passphrase");
        return passphrase;
    }

    private static byte[] Check(string passphrase) => SHA256.HashData(Encoding.UTF8.GetBytes("fake-pulumi-salt:" + passphrase))[..12];

    // Not real encryption: enough that the key is not in the file as plain text.
    private static byte[] Xor(byte[] data, string passphrase)
    {
        var key = SHA256.HashData(Encoding.UTF8.GetBytes(passphrase));
        return data.Select((b, i) => (byte)(b ^ key[i % key.Length])).ToArray();
    }

    private void Save()
    {
        var yaml = new Dictionary<string, object> { ["encryptionsalt"] = _salt };
        if (_values.Count > 0) yaml["config"] = _values;
        File.WriteAllText(_path, new SerializerBuilder().Build().Serialize(yaml));
    }
}
