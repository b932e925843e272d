using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Provisioning.Pulumi;

/// <summary>A lock file of a file backend: who holds the stack.</summary>
internal sealed record LockHolder(string File, int Pid, string Username, string Hostname, string Timestamp);

/// <summary>
/// Reads the lock files a file backend keeps at <c>.pulumi/locks/&lt;org&gt;/&lt;project&gt;/&lt;stack&gt;/*.json</c>.
/// <c>pulumi cancel</c> deletes every lock, also a live process's, so a stale lock is only
/// cleared once every holder is known to be gone: on this host with its pid not running.
/// </summary>
internal static class StackLocks
{
    public static IReadOnlyList<LockHolder> Read(string backendFolder, string stack)
    {
        var locks = Path.Combine(backendFolder, ".pulumi", "locks");
        if (!Directory.Exists(locks)) return [];
        // Project-scoped backends nest <org>/<project>/<stack>; legacy ones keep <stack> at the top.
        return Directory.EnumerateDirectories(locks)
            .SelectMany(Directory.EnumerateDirectories)
            .Select(project => Path.Combine(project, stack))
            .Append(Path.Combine(locks, stack))
            .Where(Directory.Exists)
            .SelectMany(dir => Directory.EnumerateFiles(dir, "*.json"))
            .Select(ReadHolder)
            .ToList();
    }

    /// <summary>True when the holder is a process of this machine that no longer runs.</summary>
    public static bool IsStale(LockHolder holder) => IsThisHost(holder.Hostname) && !IsAlive(holder.Pid);

    private static LockHolder ReadHolder(string file)
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            var root = json.RootElement;
            string Text(string name) => root.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : "";
            var pid = root.TryGetProperty("pid", out var p) && p.TryGetInt32(out var n) ? n : 0;
            return new(file, pid, Text("username"), Text("hostname"), Text("timestamp"));
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            // An unreadable lock cannot be proven stale: treat it as held elsewhere.
            return new(file, 0, "", "", "");
        }
    }

    private static bool IsThisHost(string hostname)
    {
        if (hostname.Length == 0) return false;
        static string Short(string h) => h.Split('.')[0];
        return new[] { Environment.MachineName, Dns.GetHostName() }
            .Any(h => string.Equals(Short(h), Short(hostname), StringComparison.OrdinalIgnoreCase));
    }

    private static bool IsAlive(int pid)
    {
        if (pid <= 0) return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
