using System.Text.Json.Nodes;
using Provisioning.Clusters;
using Provisioning.Consul;
using Provisioning.Tests.Support;

namespace Provisioning.Tests;

public class ConsulAgentConfigTests
{
    /// <summary>
    /// Keys of the agent configuration file reference, as far as a base deployment could use them
    /// (https://developer.hashicorp.com/consul/docs/reference/agent/configuration-file: general,
    /// join, address, log, DNS, UI, raft/performance and autopilot parameters).
    /// </summary>
    private static readonly HashSet<string> DocumentedKeys =
    [
        "datacenter", "node_name", "data_dir", "bind_addr", "advertise_addr", "advertise_addr_wan", "client_addr",
        "server", "bootstrap", "bootstrap_expect", "primary_datacenter", "domain", "encrypt", "encrypt_verify_incoming",
        "encrypt_verify_outgoing", "retry_join", "retry_join_wan", "retry_interval", "retry_interval_wan", "retry_max",
        "retry_max_wan", "rejoin_after_leave", "leave_on_terminate", "skip_leave_on_interrupt", "recursors",
        "disable_update_check", "enable_syslog", "log_file", "log_level", "log_json", "log_rotate_bytes",
        "log_rotate_duration", "log_rotate_max_files", "ports", "dns_config", "raft_protocol",
        "addresses", "addresses.http", "addresses.https", "addresses.dns", "addresses.grpc",
        "ui_config", "ui_config.enabled", "ui_config.dir", "ui_config.content_path",
        "performance", "performance.raft_multiplier", "performance.leave_drain_time", "performance.rpc_hold_timeout",
        "autopilot", "autopilot.cleanup_dead_servers", "autopilot.last_contact_threshold", "autopilot.max_trailing_logs",
        "autopilot.min_quorum", "autopilot.server_stabilization_time",
    ];

    private static readonly ClusterSpec Spec = TestSpecs.Spec();
    private static readonly NetworkLayout Network = NetworkLayout.For(Spec);

    public static TheoryData<string, ConsulRole, int> Variants => new()
    {
        { "consul-server-eu-west-1a.json", ConsulRole.Server, 0 },
        { "consul-server-eu-west-1b.json", ConsulRole.Server, 1 },
        { "consul-client-eu-west-1a.json", ConsulRole.Client, 0 },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void ToJson_ServerAndClientPerZone_MatchesTheReviewedGoldenFile(string golden, ConsulRole role, int zone)
    {
        var json = ConsulAgentConfigs.For(role, Spec, Network, zone, ConsulNode.BootVariables).ToJson();

        Golden.AssertMatches(golden, json);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void ToJson_AnyVariant_ParsesAndUsesOnlyDocumentedKeys(string golden, ConsulRole role, int zone)
    {
        var json = ConsulAgentConfigs.For(role, Spec, Network, zone, ConsulNode.BootVariables).ToJson();

        var keys = KeyPaths(JsonNode.Parse(json)!.AsObject(), "").ToList();

        Assert.All(keys, key => Assert.Contains(key, DocumentedKeys));
        Assert.True(keys.Count > 10, golden);
    }

    [Fact]
    public void Server_ZoneA_JoinsItsOwnZoneOnTheLanAndTheOtherOnTheWan()
    {
        var config = JsonNode.Parse(ConsulAgentConfigs.Server(Spec, Network, 0, new("i-0abc", "10.0.0.10", "k")).ToJson())!;

        Assert.Equal("eu-west-1a", (string?)config["datacenter"]);
        Assert.Equal("provider=aws region=eu-west-1 tag_key=consul-join tag_value=alpha-eu-west-1a", (string?)config["retry_join"]![0]);
        Assert.Equal("provider=aws region=eu-west-1 tag_key=consul-join tag_value=alpha-eu-west-1b", (string?)config["retry_join_wan"]![0]);
        Assert.Equal(3, (int?)config["bootstrap_expect"]);
        Assert.Equal("10.0.0.2", (string?)config["recursors"]![0]);
        Assert.Equal("10.0.0.10", (string?)config["bind_addr"]);
        Assert.Equal("10.0.0.10", (string?)config["advertise_addr"]);
        Assert.Equal("i-0abc", (string?)config["node_name"]);
    }

    [Fact]
    public void Server_ZoneB_SwapsOwnAndOtherJoinTags()
    {
        var config = JsonNode.Parse(ConsulAgentConfigs.Server(Spec, Network, 1, ConsulNode.BootVariables).ToJson())!;

        Assert.Equal("eu-west-1b", (string?)config["datacenter"]);
        Assert.EndsWith("tag_value=alpha-eu-west-1b", (string?)config["retry_join"]![0]);
        Assert.EndsWith("tag_value=alpha-eu-west-1a", (string?)config["retry_join_wan"]![0]);
    }

    [Fact]
    public void Server_AdminCidrSet_AlsoServesTheHttpApiOnItsPrivateAddress()
    {
        var spec = TestSpecs.Spec(adminCidr: TestSpecs.AdminCidr);

        var json = ConsulAgentConfigs.Server(spec, NetworkLayout.For(spec), 0, ConsulNode.BootVariables).ToJson();
        var config = JsonNode.Parse(json)!;

        Assert.Equal("127.0.0.1 ${PRIVATE_IP}", (string?)config["addresses"]!["http"]);
        Assert.Equal("127.0.0.1", (string?)config["client_addr"]);
        Assert.All(KeyPaths(config.AsObject(), ""), key => Assert.Contains(key, DocumentedKeys));
    }

    [Fact]
    public void Server_AdminCidrUnset_KeepsEveryListenerOnLoopback()
    {
        var config = JsonNode.Parse(ConsulAgentConfigs.Server(Spec, Network, 0, ConsulNode.BootVariables).ToJson())!.AsObject();

        Assert.False(config.ContainsKey("addresses"));
        Assert.Equal("127.0.0.1", (string?)config["client_addr"]);
    }

    [Fact]
    public void Server_FiveServersPerZone_ExpectsFive()
    {
        var spec = TestSpecs.Spec(servers: 5);

        var config = JsonNode.Parse(ConsulAgentConfigs.Server(spec, NetworkLayout.For(spec), 0, ConsulNode.BootVariables).ToJson())!;

        Assert.Equal(5, (int?)config["bootstrap_expect"]);
    }

    [Fact]
    public void Client_AnyZone_HasNoServerOnlySettings()
    {
        var config = JsonNode.Parse(ConsulAgentConfigs.Client(Spec, Network, 1, ConsulNode.BootVariables).ToJson())!.AsObject();

        Assert.False(config.ContainsKey("server"));
        Assert.False(config.ContainsKey("bootstrap_expect"));
        Assert.False(config.ContainsKey("retry_join_wan"));
        Assert.False(config.ContainsKey("autopilot"));
        Assert.Equal("eu-west-1b", (string?)config["datacenter"]);
        Assert.EndsWith("tag_value=alpha-eu-west-1b", (string?)Assert.Single(config["retry_join"]!.AsArray()));
    }

    [Theory]
    [InlineData("eu.west.1a")]
    [InlineData("EU-WEST-1A")]
    public void Datacenter_NameConsulWouldReject_Throws(string zone)
    {
        var spec = Spec with { AvailabilityZones = [zone, "eu-west-1b"] };

        Assert.Throws<ArgumentException>(() => ConsulAgentConfigs.Server(spec, Network, 0, ConsulNode.BootVariables));
    }

    private static IEnumerable<string> KeyPaths(JsonObject json, string prefix)
    {
        foreach (var (key, value) in json)
        {
            yield return prefix + key;
            if (value is JsonObject nested)
                foreach (var path in KeyPaths(nested, $"{prefix}{key}.")) yield return path;
        }
    }
}
