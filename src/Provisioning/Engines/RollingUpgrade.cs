using Provisioning.Clusters;
using Provisioning.Health;

namespace Provisioning.Engines;

public enum FleetRole { Server, Client }

/// <summary>
/// A Consul node as the fleet knows it. <paramref name="Current"/>: launched from its group's latest launch template
/// and in service; a replacement that never became healthy is not, so continuing a stopped rollout replaces it again.
/// </summary>
public sealed record FleetNode(string Id, FleetRole Role, string Datacenter, bool Current);

/// <summary>
/// The Consul fleet of one deployed cluster, as a rolling upgrade needs it, so that the order of the upgrade is written
/// once for every engine. The simulated engine implements it over its state; on AWS a replacement is a
/// <c>consul leave</c> through Systems Manager, then Auto Scaling's TerminateInstanceInAutoScalingGroup keeping the size.
/// </summary>
public interface IConsulFleet
{
    /// <summary>The datacenters, the primary first.</summary>
    IReadOnlyList<string> Datacenters { get; }

    /// <summary>Every server and client, the servers in their datacenters.</summary>
    Task<IReadOnlyList<FleetNode>> NodesAsync(CancellationToken cancellationToken);

    /// <summary>Saves a snapshot of one datacenter; the snapshot's id, or throws with what went wrong.</summary>
    Task<string> SnapshotAsync(string datacenter, string reason, CancellationToken cancellationToken);

    /// <summary>The node leaves Consul gracefully and is terminated; its group launches a replacement. The replacement's id.</summary>
    Task<string> ReplaceAsync(FleetNode node, CancellationToken cancellationToken);

    Task<ClusterHealth> CheckHealthAsync(CancellationToken cancellationToken);

    /// <summary>Waits between two health checks; false when cancelled first.</summary>
    Task<bool> PauseAsync(CancellationToken cancellationToken);
}

/// <summary>Where a rollout stopped and why; the portal offers to continue or to roll back from here.</summary>
/// <param name="Node">The replacement whose health check failed.</param>
/// <param name="Replaced">The instance it replaced.</param>
public sealed record RolloutStop(string Node, string Replaced, string Datacenter, string Reason, ClusterHealth Health);

/// <summary>How a rolling upgrade ended: how many nodes it replaced, and where it stopped if it did.</summary>
public sealed record RolloutResult(int Replaced, RolloutStop? Stopped = null, bool Interrupted = false);

/// <summary>
/// Consul's upgrade procedure, safe for both quorums: a snapshot of each datacenter first; then servers one at a time,
/// one datacenter after the other (the primary first), followers before the leader; after each replacement it waits
/// until the new server is a healthy voter and its datacenter tolerates a failure again, and stops if that never
/// happens. Clients go after every server. Nodes already on the latest launch template are kept, so running it
/// again continues where it stopped, and running it with the old template rolls back.
/// </summary>
public sealed class RollingUpgrade(IConsulFleet fleet, ClusterSpec spec, int healthAttempts)
{
    public const string ServerType = "consul:server", ClientType = "consul:client", SnapshotType = "consul:snapshot";
    public const string PreUpgrade = "pre-upgrade";

    public async Task<RolloutResult> RunAsync(IDeploymentEventSink sink, CancellationToken cancellationToken)
    {
        var nodes = await fleet.NodesAsync(cancellationToken);
        var servers = nodes.Where(n => n.Role == FleetRole.Server && !n.Current).ToList();
        var clients = nodes.Where(n => n.Role == FleetRole.Client && !n.Current).ToList();
        if (servers.Count + clients.Count == 0) return new RolloutResult(0);
        var health = await fleet.CheckHealthAsync(cancellationToken);

        await sink.EmitAsync(EngineEvent.Diagnostic(
            $"Rolling upgrade to Consul {spec.ConsulVersion}: {servers.Count} server(s) one at a time, then {clients.Count} client(s)."), CancellationToken.None);
        var datacenters = fleet.Datacenters;
        if (servers.Count > 0)
            foreach (var dc in datacenters)
            {
                if (cancellationToken.IsCancellationRequested) return new RolloutResult(0, Interrupted: true);
                var name = $"snapshot/{dc}";
                await sink.EmitAsync(EngineEvent.Started(name, SnapshotType, "create", $"Saving a snapshot of {dc} before the upgrade"), CancellationToken.None);
                var id = await fleet.SnapshotAsync(dc, PreUpgrade, cancellationToken);
                await sink.EmitAsync(EngineEvent.Succeeded(name, SnapshotType, "create", $"Saved snapshot {id} of {dc}"), CancellationToken.None);
            }

        var replaced = 0;
        foreach (var dc in datacenters)
        {
            // Unhealthy ones first (a stopped rollout's replacement), the leader last: it steps down only once.
            var inDc = servers.Where(s => s.Datacenter == dc)
                .OrderBy(s => HealthyVoter(health, s) ? 1 : 0).ThenBy(s => IsLeader(health, s) ? 1 : 0).ToList();
            foreach (var server in inDc)
            {
                if (cancellationToken.IsCancellationRequested) return new RolloutResult(replaced, Interrupted: true);
                var stop = await ReplaceServerAsync(server, sink, cancellationToken);
                if (stop is not null) return new RolloutResult(replaced, stop);
                replaced++;
                health = await fleet.CheckHealthAsync(cancellationToken);
            }
        }

        foreach (var client in clients)
        {
            if (cancellationToken.IsCancellationRequested) return new RolloutResult(replaced, Interrupted: true);
            await sink.EmitAsync(EngineEvent.Started(client.Id, ClientType, "replace", $"Replacing client {client.Id} in {client.Datacenter}"), CancellationToken.None);
            var replacement = await fleet.ReplaceAsync(client, cancellationToken);
            await sink.EmitAsync(EngineEvent.Succeeded(client.Id, ClientType, "replace",
                $"Client {client.Id} left gracefully; {replacement} runs Consul {spec.ConsulVersion}"), CancellationToken.None);
            replaced++;
        }
        return new RolloutResult(replaced);
    }

    private async Task<RolloutStop?> ReplaceServerAsync(FleetNode server, IDeploymentEventSink sink, CancellationToken cancellationToken)
    {
        var dc = server.Datacenter;
        await sink.EmitAsync(EngineEvent.Started(server.Id, ServerType, "replace", $"Replacing server {server.Id} of {dc}: consul leave, then terminate"), CancellationToken.None);
        var replacement = await fleet.ReplaceAsync(server, cancellationToken);
        string reason = "";
        ClusterHealth health = null!;
        for (var attempt = 0; attempt < Math.Max(1, healthAttempts); attempt++)
        {
            // Past the replacement there is no safe point until Consul has its voter back: keep checking through a cancel.
            if (attempt > 0 && !await fleet.PauseAsync(CancellationToken.None)) break;
            health = await fleet.CheckHealthAsync(CancellationToken.None);
            var datacenter = health.Datacenters.FirstOrDefault(d => d.Name == dc);
            var node = datacenter?.Servers.FirstOrDefault(s => s.Node == replacement);
            if (node is { Voter: true, Healthy: true } && datacenter!.FailureTolerance >= 1)
            {
                await sink.EmitAsync(EngineEvent.Succeeded(server.Id, ServerType, "replace",
                    $"Server {server.Id} of {dc} replaced by {replacement}: a healthy voter, failure tolerance {datacenter.FailureTolerance}"), CancellationToken.None);
                return null;
            }
            reason = datacenter is not { Reachable: true }
                ? $"{dc} could not be checked: {datacenter?.Error ?? "no report"}"
                : node is null ? $"the new server {replacement} is not a raft voter of {dc}"
                : !node.Healthy ? $"the new server {replacement} is not healthy in {dc}"
                : $"failure tolerance of {dc} is {datacenter.FailureTolerance?.ToString() ?? "unknown"}, not at least 1";
        }
        reason = $"Rollout stopped after replacing {server.Id}: {reason}";
        await sink.EmitAsync(EngineEvent.Failed(server.Id, ServerType, "replace", reason), CancellationToken.None);
        return new RolloutStop(replacement, server.Id, dc, reason, health);
    }

    private static bool HealthyVoter(ClusterHealth health, FleetNode node) => Server(health, node) is { Voter: true, Healthy: true };

    private static bool IsLeader(ClusterHealth health, FleetNode node) => Server(health, node)?.Leader == true;

    private static ServerHealth? Server(ClusterHealth health, FleetNode node) =>
        health.Datacenters.FirstOrDefault(d => d.Name == node.Datacenter)?.Servers.FirstOrDefault(s => s.Node == node.Id);
}
