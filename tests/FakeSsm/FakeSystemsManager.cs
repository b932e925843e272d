using System.Text.Json.Nodes;

namespace FakeSsm;

/// <summary>
/// The Systems Manager actions the portal's probe uses, with SSM's documented shapes, limits and errors:
/// DescribeInstanceInformation, SendCommand, GetCommandInvocation and ListCommandInvocations.
/// Thread-safe: every action runs under one lock, and so do changes to the datacenters.
/// </summary>
public sealed class FakeSystemsManager(TimeProvider time)
{
    /// <summary>What GetCommandInvocation and ListCommandInvocations keep of a plugin's output.</summary>
    public const int StandardOutputLimit = 24_000, StandardErrorLimit = 8_000, ListOutputLimit = 2_500;

    public const string Document = "AWS-RunShellScript", Plugin = "aws:runShellScript", JoinTagFilter = "tag:consul-join";

    private readonly object _gate = new();
    private readonly Dictionary<string, FakeDatacenter> _datacenters = [];
    private readonly List<FakeInvocation> _invocations = [];

    /// <summary>How many servers a datacenter nobody configured has.</summary>
    public int DefaultServers { get; set; } = 3;

    /// <summary>The servers of one consul-join tag value; created healthy on first sight.</summary>
    public FakeDatacenter Datacenter(string joinTag)
    {
        lock (_gate) return DatacenterLocked(joinTag);
    }

    /// <summary>Changes a datacenter under the lock, for changes while a probe may be running.</summary>
    public void Change(string joinTag, Action<FakeDatacenter> change)
    {
        lock (_gate) change(DatacenterLocked(joinTag));
    }

    public JsonObject Handle(string action, JsonObject request)
    {
        lock (_gate)
        {
            return action switch
            {
                "DescribeInstanceInformation" => DescribeInstanceInformation(request),
                "SendCommand" => SendCommand(request),
                "GetCommandInvocation" => GetCommandInvocation(request),
                "ListCommandInvocations" => ListCommandInvocations(request),
                _ => throw new SsmError("UnknownOperationException", $"The stand-in does not implement {action}."),
            };
        }
    }

    private FakeDatacenter DatacenterLocked(string joinTag)
    {
        if (!_datacenters.TryGetValue(joinTag, out var datacenter)) _datacenters[joinTag] = datacenter = new FakeDatacenter(joinTag) { Servers = DefaultServers };
        return datacenter;
    }

    private JsonObject DescribeInstanceInformation(JsonObject request)
    {
        if (request["InstanceInformationFilterList"] is JsonArray { Count: > 0 } && request["Filters"] is JsonArray { Count: > 0 })
            throw SsmError.Validation("InstanceInformationFilterList and Filters cannot be used together.");
        var maxResults = request["MaxResults"]?.GetValue<int>() ?? 50;
        if (maxResults is < 5 or > 50)
            throw SsmError.Validation($"1 validation error detected: Value '{maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value between 5 and 50");

        var filters = (request["Filters"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        // A join tag the stand-in has not seen yet is a datacenter it creates, healthy.
        foreach (var tag in filters.Where(f => f["Key"]?.GetValue<string>() == JoinTagFilter).SelectMany(f => f["Values"] as JsonArray ?? []))
            DatacenterLocked(tag!.GetValue<string>());
        IEnumerable<(FakeDatacenter Datacenter, int Server)> instances = _datacenters.Values.SelectMany(d => Enumerable.Range(0, d.Servers).Select(s => (d, s))).ToList();
        foreach (var filter in filters)
        {
            var key = filter["Key"]?.GetValue<string>() ?? throw SsmError.Validation("A filter has no Key.");
            var values = (filter["Values"] as JsonArray ?? []).Select(v => v!.GetValue<string>()).ToHashSet();
            if (values.Count == 0) throw new SsmError("InvalidInstanceInformationFilterValue", $"The filter {key} has no values.");
            instances = key switch
            {
                JoinTagFilter => instances.Where(i => values.Contains(i.Datacenter.JoinTag)),
                "PingStatus" => instances.Where(i => values.Contains(PingStatus(i.Datacenter))),
                "InstanceIds" => instances.Where(i => values.Contains(i.Datacenter.InstanceId(i.Server))),
                "ResourceType" => instances.Where(_ => values.Contains("EC2Instance")),
                _ when key.StartsWith("tag:", StringComparison.Ordinal) => [],
                _ => throw new SsmError("InvalidFilterKey", $"The filter key {key} is not valid."),
            };
        }

        var all = instances.ToList();
        var start = int.TryParse(request["NextToken"]?.GetValue<string>(), out var token) ? token : 0;
        var page = all.Skip(start).Take(maxResults).ToList();
        var response = new JsonObject
        {
            ["InstanceInformationList"] = new JsonArray(page.Select(i => (JsonNode?)InstanceInformation(i.Datacenter, i.Server)).ToArray()),
        };
        if (start + page.Count < all.Count) response["NextToken"] = (start + page.Count).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return response;
    }

    private JsonObject InstanceInformation(FakeDatacenter datacenter, int server) => new()
    {
        ["InstanceId"] = datacenter.InstanceId(server),
        ["PingStatus"] = PingStatus(datacenter),
        ["LastPingDateTime"] = Epoch(time.GetUtcNow().AddSeconds(datacenter.Online ? -20 : -3600)),
        ["AgentVersion"] = "3.3.1957.0",
        ["IsLatestVersion"] = false,
        ["PlatformType"] = "Linux",
        ["PlatformName"] = "Amazon Linux",
        ["PlatformVersion"] = "2023",
        ["ResourceType"] = "EC2Instance",
        ["IPAddress"] = datacenter.Address(server),
        ["ComputerName"] = $"ip-{datacenter.Address(server).Replace('.', '-')}.ec2.internal",
        ["SourceId"] = datacenter.InstanceId(server),
        ["SourceType"] = "AWS::EC2::Instance",
    };

    private static string PingStatus(FakeDatacenter datacenter) => datacenter.Online ? "Online" : "ConnectionLost";

    private JsonObject SendCommand(JsonObject request)
    {
        var document = request["DocumentName"]?.GetValue<string>()
                       ?? throw SsmError.Validation("1 validation error detected: Value null at 'documentName' failed to satisfy constraint: Member must not be null");
        if (document != Document) throw new SsmError("InvalidDocument", $"Document with name {document} does not exist.");
        var instanceIds = (request["InstanceIds"] as JsonArray ?? []).Select(i => i!.GetValue<string>()).ToList();
        if (instanceIds.Count is 0 or > 50) throw SsmError.Validation("InstanceIds must name between 1 and 50 instances (targets are not supported by the stand-in).");
        var commands = (request["Parameters"]?["commands"] as JsonArray)?.Select(c => c!.GetValue<string>()).ToList();
        if (commands is not { Count: > 0 }) throw new SsmError("InvalidParameters", "The commands parameter is required by AWS-RunShellScript.");
        var extra = (request["Parameters"] as JsonObject)!.Select(p => p.Key).Except(["commands", "workingDirectory", "executionTimeout"]).ToList();
        if (extra.Count > 0) throw new SsmError("InvalidParameters", $"AWS-RunShellScript has no parameter {string.Join(", ", extra)}.");
        var timeout = request["TimeoutSeconds"]?.GetValue<int>() ?? 3600;
        if (timeout is < 30 or > 2_592_000)
            throw SsmError.Validation($"1 validation error detected: Value '{timeout}' at 'timeoutSeconds' failed to satisfy constraint: Member must have value between 30 and 2592000");
        var comment = request["Comment"]?.GetValue<string>() ?? "";
        if (comment.Length > 100)
            throw SsmError.Validation("1 validation error detected: Value at 'comment' failed to satisfy constraint: Member must have length less than or equal to 100");

        var owners = instanceIds.Select(id => (Id: id, Datacenter: _datacenters.Values.FirstOrDefault(d => d.IndexOf(id) >= 0))).ToList();
        if (owners.Where(o => o.Datacenter is null || o.Datacenter.IndexOf(o.Id) < o.Datacenter.TerminatedServers).Select(o => o.Id).ToList() is { Count: > 0 } unknown)
            throw new SsmError("InvalidInstanceId", $"Instances [[{string.Join(", ", unknown)}]] not in a valid state for account 123456789012");

        var commandId = Guid.NewGuid().ToString();
        var now = time.GetUtcNow();
        var script = string.Join("\n", commands);
        foreach (var (id, datacenter) in owners) _invocations.Add(Run(commandId, comment, id, datacenter!, script, now));
        return new JsonObject
        {
            ["Command"] = new JsonObject
            {
                ["CommandId"] = commandId,
                ["DocumentName"] = document,
                ["DocumentVersion"] = "$DEFAULT",
                ["Comment"] = comment,
                ["ExpiresAfter"] = Epoch(now.AddSeconds(timeout)),
                ["Parameters"] = request["Parameters"]!.DeepClone(),
                ["InstanceIds"] = new JsonArray(instanceIds.Select(i => (JsonNode?)i).ToArray()),
                ["Targets"] = new JsonArray(),
                ["RequestedDateTime"] = Epoch(now),
                ["Status"] = "Pending",
                ["StatusDetails"] = "Pending",
                ["OutputS3BucketName"] = "",
                ["OutputS3KeyPrefix"] = "",
                ["MaxConcurrency"] = "50",
                ["MaxErrors"] = "0",
                ["TargetCount"] = instanceIds.Count,
                ["CompletedCount"] = 0,
                ["ErrorCount"] = 0,
                ["DeliveryTimedOutCount"] = 0,
                ["ServiceRole"] = "",
                ["NotificationConfig"] = new JsonObject { ["NotificationArn"] = "", ["NotificationEvents"] = new JsonArray(), ["NotificationType"] = "" },
                ["CloudWatchOutputConfig"] = new JsonObject { ["CloudWatchLogGroupName"] = "", ["CloudWatchOutputEnabled"] = false },
                ["TimeoutSeconds"] = timeout,
            },
        };
    }

    /// <summary>"Runs" the script on the instance: what the portal's health check would print there.</summary>
    private FakeInvocation Run(string commandId, string comment, string instanceId, FakeDatacenter datacenter, string script, DateTimeOffset now)
    {
        var server = datacenter.IndexOf(instanceId);
        var probe = ConsulDocuments.Describe(script);
        var (status, code, stdout, stderr) =
            !datacenter.Online ? ("TimedOut", -1, "", "")
            : probe is null ? ("Failed", 127, "", "the stand-in runs only the portal's Consul health check")
            : !datacenter.JoinTag.EndsWith("-" + probe.Datacenter, StringComparison.Ordinal)
                ? ("Failed", 1, "", $"{instanceId} carries consul-join={datacenter.JoinTag}: it is no server of {probe.Datacenter}")
            : server < datacenter.FailingServers
                ? ("Failed", 1, "", "mktemp: failed to create directory via template '/tmp/tmp.XXXXXXXXXX': No space left on device\nfailed to run commands: exit status 1")
            : ("Success", 0, ConsulDocuments.Report(probe, datacenter, instanceId, dc => Peer(datacenter, probe.Datacenter, dc), now).ToJsonString() + "\n", "");
        return new FakeInvocation
        {
            CommandId = commandId, InstanceId = instanceId, Comment = comment, RequestedAt = now,
            FinalStatus = status, ResponseCode = code, StandardOutput = stdout, StandardError = stderr,
            InvisiblePolls = datacenter.InvisiblePolls, PendingPolls = datacenter.PendingPolls,
        };
    }

    /// <summary>The other datacenters of the cluster carry the same tag prefix: consul-join is &lt;cluster&gt;-&lt;datacenter&gt;.</summary>
    private FakeDatacenter Peer(FakeDatacenter probed, string probedName, string name) =>
        name == probedName ? probed : DatacenterLocked(probed.JoinTag[..^probedName.Length] + name);

    private JsonObject GetCommandInvocation(JsonObject request)
    {
        var commandId = Required(request, "CommandId");
        var instanceId = Required(request, "InstanceId");
        if (request["PluginName"]?.GetValue<string>() is { } plugin && plugin != Plugin)
            throw new SsmError("InvalidPluginName", $"The plugin {plugin} is not part of the command.");
        var invocation = _invocations.FirstOrDefault(i => i.CommandId == commandId && i.InstanceId == instanceId);
        invocation?.Poll();
        if (invocation?.Status is not { } status) throw new SsmError("InvocationDoesNotExist", "");
        var ended = invocation.Ended;
        return new JsonObject
        {
            ["CommandId"] = commandId,
            ["InstanceId"] = instanceId,
            ["Comment"] = invocation.Comment,
            ["DocumentName"] = Document,
            ["DocumentVersion"] = "$DEFAULT",
            ["PluginName"] = Plugin,
            ["ResponseCode"] = ended ? invocation.ResponseCode : -1,
            ["ExecutionStartDateTime"] = invocation.RequestedAt.AddSeconds(1).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["ExecutionElapsedTime"] = ended ? "PT1.304S" : "",
            ["ExecutionEndDateTime"] = ended ? invocation.RequestedAt.AddSeconds(2).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture) : "",
            ["Status"] = status,
            ["StatusDetails"] = Details(invocation),
            ["StandardOutputContent"] = ended ? Truncate(invocation.StandardOutput, StandardOutputLimit) : "",
            ["StandardOutputUrl"] = "",
            ["StandardErrorContent"] = ended ? Truncate(invocation.StandardError, StandardErrorLimit) : "",
            ["StandardErrorUrl"] = "",
            ["CloudWatchOutputConfig"] = new JsonObject { ["CloudWatchLogGroupName"] = "", ["CloudWatchOutputEnabled"] = false },
        };
    }

    private JsonObject ListCommandInvocations(JsonObject request)
    {
        var commandId = request["CommandId"]?.GetValue<string>();
        var instanceId = request["InstanceId"]?.GetValue<string>();
        var details = request["Details"]?.GetValue<bool>() ?? false;
        var maxResults = request["MaxResults"]?.GetValue<int>() ?? 50;
        if (maxResults is < 1 or > 50) throw SsmError.Validation("MaxResults must be between 1 and 50.");
        var matching = _invocations.Where(i => (commandId is null || i.CommandId == commandId) && (instanceId is null || i.InstanceId == instanceId)).ToList();
        foreach (var invocation in matching) invocation.Poll();
        var visible = matching.Where(i => i.Status is not null).ToList();
        var start = int.TryParse(request["NextToken"]?.GetValue<string>(), out var token) ? token : 0;
        var page = visible.Skip(start).Take(maxResults).ToList();
        var response = new JsonObject
        {
            ["CommandInvocations"] = new JsonArray(page.Select(i => (JsonNode?)new JsonObject
            {
                ["CommandId"] = i.CommandId,
                ["InstanceId"] = i.InstanceId,
                ["InstanceName"] = "",
                ["Comment"] = i.Comment,
                ["DocumentName"] = Document,
                ["DocumentVersion"] = "$DEFAULT",
                ["RequestedDateTime"] = Epoch(i.RequestedAt),
                ["Status"] = i.Status,
                ["StatusDetails"] = Details(i),
                ["TraceOutput"] = "",
                ["StandardOutputUrl"] = "",
                ["StandardErrorUrl"] = "",
                ["CommandPlugins"] = details ? new JsonArray(Plugins(i)) : new JsonArray(),
                ["ServiceRole"] = "",
                ["NotificationConfig"] = new JsonObject { ["NotificationArn"] = "", ["NotificationEvents"] = new JsonArray(), ["NotificationType"] = "" },
                ["CloudWatchOutputConfig"] = new JsonObject { ["CloudWatchLogGroupName"] = "", ["CloudWatchOutputEnabled"] = false },
            }).ToArray()),
        };
        if (start + page.Count < visible.Count) response["NextToken"] = (start + page.Count).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return response;
    }

    /// <summary>A plugin's Output is the start of stdout, then stderr after SSM's separator line.</summary>
    private static JsonObject Plugins(FakeInvocation invocation) => new()
    {
        ["Name"] = Plugin,
        ["Status"] = invocation.Status,
        ["StatusDetails"] = Details(invocation),
        ["ResponseCode"] = invocation.Ended ? invocation.ResponseCode : -1,
        ["ResponseStartDateTime"] = Epoch(invocation.RequestedAt.AddSeconds(1)),
        ["ResponseFinishDateTime"] = invocation.Ended ? Epoch(invocation.RequestedAt.AddSeconds(2)) : null,
        ["Output"] = invocation.Ended
            ? Truncate(invocation.StandardOutput + (invocation.StandardError.Length > 0 ? "\n----------ERROR-------\n" + invocation.StandardError : ""), ListOutputLimit)
            : "",
        ["StandardOutputUrl"] = "",
        ["StandardErrorUrl"] = "",
        ["OutputS3BucketName"] = "",
        ["OutputS3KeyPrefix"] = "",
    };

    private static string Details(FakeInvocation invocation) => invocation.Status switch
    {
        "TimedOut" => "DeliveryTimedOut",
        { } status => status,
        null => "Pending",
    };

    private static string Required(JsonObject request, string key) =>
        request[key]?.GetValue<string>() is { Length: > 0 } value
            ? value
            : throw SsmError.Validation($"1 validation error detected: Value null at '{char.ToLowerInvariant(key[0])}{key[1..]}' failed to satisfy constraint: Member must not be null");

    private static string Truncate(string text, int limit) => text.Length <= limit ? text : text[..limit];

    /// <summary>The JSON protocol sends timestamps as seconds since the epoch.</summary>
    private static double Epoch(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;
}
