using System.Globalization;
using Provisioning.Health;

namespace Portal.Components.Shared;

/// <summary>How the health panels word what Consul reports.</summary>
public static class HealthText
{
    /// <summary>Consul names the leader by its RPC address; people look for the instance: <c>i-0abc… (10.0.1.10:8300)</c>.</summary>
    public static string? Leader(DatacenterHealth dc) =>
        dc is not { Reachable: true, Leader: { } address } ? null
        : dc.Servers.FirstOrDefault(s => s.Leader)?.Node is { Length: > 0 } node ? $"{node} ({address})" : address;

    /// <summary>One clock for every time the panels show: the audit trail and the API speak UTC too.</summary>
    public static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
