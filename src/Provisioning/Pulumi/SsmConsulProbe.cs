using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Microsoft.Extensions.Logging;
using Provisioning.Clusters;
using Provisioning.Consul;
using Provisioning.Health;
using Provisioning.Security;
using Provisioning.Topology;

namespace Provisioning.Pulumi;

/// <summary>
/// Asks one server of each datacenter how Consul is, through Systems Manager Run Command (consul-topology.md,
/// "Checking Consul's health from the portal"): the servers are private, Run Command reaches them without a
/// network path. Both datacenters are asked at once; within one, the online servers are tried in turn until one
/// runs <see cref="ConsulProbeScript"/>. A datacenter no server answers for is reported unreachable, never thrown.
/// </summary>
/// <param name="awsProfile">The shared-config profile to sign with (<see cref="PulumiOptions.AwsProfile"/>); null uses the SDK's default chain.</param>
/// <param name="credentials">Fixed credentials (tests); otherwise the profile or the default chain.</param>
public sealed class SsmConsulProbe(
    SsmProbeOptions options, string? awsProfile, TimeProvider time, ILogger<SsmConsulProbe> logger, AWSCredentials? credentials = null) : IDisposable
{
    public const string Document = "AWS-RunShellScript";

    /// <summary>How much of a failed command's stderr an error keeps: the end, where the cause usually is.</summary>
    private const int ErrorTail = 500;

    private readonly ConcurrentDictionary<string, AmazonSimpleSystemsManagementClient> _clients = new();

    /// <param name="secrets">Values that must never leave in a command or an error (the passphrase, the cluster's secrets).</param>
    public async Task<IReadOnlyList<DatacenterProbe>> ProbeAsync(ClusterSpec spec, IReadOnlyList<string> secrets, CancellationToken cancellationToken)
    {
        var probes = spec.AvailabilityZones.Select((_, zone) => ProbeDatacenterAsync(spec, zone, secrets, cancellationToken));
        return await Task.WhenAll(probes);
    }

    private async Task<DatacenterProbe> ProbeDatacenterAsync(ClusterSpec spec, int zone, IReadOnlyList<string> secrets, CancellationToken cancellationToken)
    {
        var dc = ConsulAgentConfigs.Datacenter(spec, zone);
        var script = ConsulProbeScript.Render(spec, zone);
        if (secrets.FirstOrDefault(s => s.Length > 0 && script.Contains(s, StringComparison.Ordinal)) is not null)
        {
            // The script is rendered from the spec alone; this guards against that ever changing.
            logger.LogError("The health check script of {Datacenter} would carry a secret: it is not sent", dc);
            return DatacenterProbe.Unreachable(dc, "the health check script would carry a secret, so it was not sent");
        }

        try
        {
            var client = Client(spec.Region);
            var instances = await OnlineServersAsync(client, spec, zone, cancellationToken);
            if (instances.Count == 0)
                return DatacenterProbe.Unreachable(dc,
                    $"no server of {dc} is online in Systems Manager (tag {ClusterNames.JoinTagKey}={ClusterNames.JoinTag(spec, zone)}): " +
                    "its servers are stopped, still booting, or their SSM agent cannot reach Systems Manager");

            var failures = new List<string>();
            foreach (var instance in instances)
            {
                JsonObject? report;
                string? failure;
                try
                {
                    (report, failure) = await RunAsync(client, spec, dc, instance, script, cancellationToken);
                }
                catch (AmazonServiceException e)
                {
                    // E.g. InvalidInstanceId: an instance terminated a moment ago is still listed online.
                    (report, failure) = (null, $"Systems Manager refused the command: {e.ErrorCode}: {e.Message}");
                }
                if (report is not null) return new DatacenterProbe(dc, instance, report);
                failure = SecretRedaction.Redact(failure!, secrets);
                logger.LogWarning("The health check of {Datacenter} failed on {Instance}: {Failure}", dc, instance, failure);
                failures.Add($"{instance}: {failure}");
            }
            return DatacenterProbe.Unreachable(dc, $"no server of {dc} could run the health check ({string.Join("; ", failures)})");
        }
        catch (AmazonServiceException e)
        {
            var why = $"{e.ErrorCode}: {SecretRedaction.Redact(e.Message, secrets)}";
            logger.LogWarning("Systems Manager refused the health check of {Datacenter}: {Reason}", dc, why);
            return DatacenterProbe.Unreachable(dc, $"Systems Manager refused the health check of {dc}: {why}");
        }
        catch (Exception e) when (e is AmazonClientException or HttpRequestException or InvalidOperationException)
        {
            logger.LogWarning(e, "Systems Manager could not be reached for the health check of {Datacenter}", dc);
            // The SDK lists every credential provider it tried, one per line: the first line says what is wrong.
            var why = e.Message.Split('\n', 2)[0].Trim();
            return DatacenterProbe.Unreachable(dc, $"Systems Manager could not be reached for {dc}: {SecretRedaction.Redact(why, secrets)}");
        }
    }

    /// <summary>The servers of the zone whose SSM agent is online, as DescribeInstanceInformation lists them.</summary>
    private static async Task<List<string>> OnlineServersAsync(
        AmazonSimpleSystemsManagementClient client, ClusterSpec spec, int zone, CancellationToken cancellationToken)
    {
        var instances = new List<string>();
        string? next = null;
        do
        {
            var page = await client.DescribeInstanceInformationAsync(new DescribeInstanceInformationRequest
            {
                Filters =
                [
                    new InstanceInformationStringFilter { Key = $"tag:{ClusterNames.JoinTagKey}", Values = [ClusterNames.JoinTag(spec, zone)] },
                    new InstanceInformationStringFilter { Key = "PingStatus", Values = [PingStatus.Online.Value] },
                ],
                MaxResults = 50,
                NextToken = next,
            }, cancellationToken);
            instances.AddRange((page.InstanceInformationList ?? []).Where(i => i.PingStatus == PingStatus.Online).Select(i => i.InstanceId));
            next = page.NextToken;
        } while (!string.IsNullOrEmpty(next));
        return instances;
    }

    /// <summary>Runs the script on one server and waits for it: the report, or why there is none.</summary>
    private async Task<(JsonObject? Report, string? Failure)> RunAsync(
        AmazonSimpleSystemsManagementClient client, ClusterSpec spec, string dc, string instance, string script, CancellationToken cancellationToken)
    {
        var seconds = (int)options.CommandTimeout.TotalSeconds;
        var sent = await client.SendCommandAsync(new SendCommandRequest
        {
            DocumentName = Document,
            InstanceIds = [instance],
            Parameters = new Dictionary<string, List<string>>
            {
                ["commands"] = [script],
                // The agent stops the script after this; TimeoutSeconds only bounds its delivery.
                ["executionTimeout"] = [seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            },
            TimeoutSeconds = seconds,
            Comment = Comment(spec, dc),
        }, cancellationToken);
        var commandId = sent.Command.CommandId;
        logger.LogInformation("Health check of {Datacenter} of {Cluster} sent to {Instance} as command {CommandId}", dc, spec.Name, instance, commandId);

        var deadline = time.GetUtcNow() + options.CommandTimeout;
        var status = "not delivered yet";
        while (true)
        {
            await Task.Delay(options.PollInterval, time, cancellationToken);
            try
            {
                var invocation = await client.GetCommandInvocationAsync(
                    new GetCommandInvocationRequest { CommandId = commandId, InstanceId = instance }, cancellationToken);
                status = invocation.Status?.Value ?? "unknown";
                if (invocation.Status == CommandInvocationStatus.Success) return Report(dc, invocation.StandardOutputContent);
                if (invocation.Status == CommandInvocationStatus.Failed || invocation.Status == CommandInvocationStatus.TimedOut ||
                    invocation.Status == CommandInvocationStatus.Cancelled)
                    return (null, $"the command ended {invocation.Status.Value} ({invocation.StatusDetails}, exit code {invocation.ResponseCode})" +
                                  (string.IsNullOrWhiteSpace(invocation.StandardErrorContent) ? "" : ": " + Tail(invocation.StandardErrorContent)));
            }
            catch (InvocationDoesNotExistException)
            {
                // Documented eventual consistency: right after SendCommand the invocation may not be visible yet.
            }
            if (time.GetUtcNow() >= deadline)
                return (null, $"the command did not finish within {options.CommandTimeout.TotalSeconds:0} s (last status: {status})");
        }
    }

    /// <summary>The script prints one document; anything else (truncated at 24,000 characters, a stray line) is no report.</summary>
    private static (JsonObject? Report, string? Failure) Report(string dc, string? output)
    {
        try
        {
            if (JsonNode.Parse(output ?? "") is not JsonObject report)
                return (null, "the command printed no JSON document");
            var reported = report[ConsulProbeReport.Datacenter] is JsonValue value && value.TryGetValue<string>(out var name) ? name : null;
            return reported == dc ? (report, null) : (null, $"the command reported datacenter '{reported}', not {dc}");
        }
        catch (JsonException e)
        {
            return (null, $"the command printed no JSON document ({e.Message}; {output?.Length ?? 0} characters)");
        }
    }

    /// <summary>Shown in Run Command's history; at most 100 characters.</summary>
    private static string Comment(ClusterSpec spec, string dc)
    {
        var comment = $"Consul health check of {spec.Name}, datacenter {dc} (portal)";
        return comment.Length <= 100 ? comment : comment[..100];
    }

    private static string Tail(string text) => (text.Length <= ErrorTail ? text : "…" + text[^ErrorTail..]).Trim();

    private AmazonSimpleSystemsManagementClient Client(string region) => _clients.GetOrAdd(region, r =>
    {
        var config = new AmazonSimpleSystemsManagementConfig();
        if (!string.IsNullOrEmpty(options.ServiceUrl))
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = r;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(r);
        }
        var signer = credentials ?? ProfileCredentials();
        return signer is null ? new AmazonSimpleSystemsManagementClient(config) : new AmazonSimpleSystemsManagementClient(signer, config);
    });

    private AWSCredentials? ProfileCredentials()
    {
        if (string.IsNullOrEmpty(awsProfile)) return null;
        return new CredentialProfileStoreChain().TryGetAWSCredentials(awsProfile, out var profile)
            ? profile
            : throw new InvalidOperationException(
                $"the AWS profile '{awsProfile}' ({PulumiOptions.Section}:AwsProfile) is in neither the shared credentials nor the config file");
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values) client.Dispose();
    }
}
