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
        // Hardening: the ACL, TLS, auto_encrypt and ports parameters of the same reference (acl, tls, encryption pages).
        "ports.http", "ports.https", "ports.dns", "ports.grpc", "ports.grpc_tls", "ports.serf_lan", "ports.serf_wan", "ports.server",
        "acl", "acl.enabled", "acl.default_policy", "acl.down_policy", "acl.enable_token_persistence", "acl.enable_token_replication",
        "acl.policy_ttl", "acl.role_ttl", "acl.token_ttl", "acl.tokens", "acl.tokens.initial_management", "acl.tokens.agent",
        "acl.tokens.agent_recovery", "acl.tokens.replication", "acl.tokens.default", "acl.tokens.dns", "acl.tokens.config_file_service_registration",
        "tls", "tls.defaults", "tls.defaults.ca_file", "tls.defaults.ca_path", "tls.defaults.cert_file", "tls.defaults.key_file",
        "tls.defaults.tls_min_version", "tls.defaults.tls_cipher_suites", "tls.defaults.verify_incoming", "tls.defaults.verify_outgoing",
        "tls.internal_rpc", "tls.internal_rpc.verify_incoming", "tls.internal_rpc.verify_server_hostname",
        "tls.https", "tls.https.verify_incoming", "tls.grpc", "tls.grpc.use_auto_cert",
        "auto_encrypt", "auto_encrypt.allow_tls", "auto_encrypt.tls", "auto_encrypt.dns_san", "auto_encrypt.ip_san",
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
        var config = JsonNode.Parse(ConsulAgentConfigs.Server(Spec, Network, 0, ConsulNode.BootVariables with { NodeName = "i-0abc", Address = "10.0.0.10" }).ToJson())!;

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
    public void Server_AdminCidrSet_AlsoServesTheHttpsApiOnItsPrivateAddress()
    {
        var spec = TestSpecs.Spec(adminCidr: TestSpecs.AdminCidr);

        var json = ConsulAgentConfigs.Server(spec, NetworkLayout.For(spec), 0, ConsulNode.BootVariables).ToJson();
        var config = JsonNode.Parse(json)!;

        Assert.Equal("127.0.0.1 ${PRIVATE_IP}", (string?)config["addresses"]!["https"]);
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
    public void Server_PrimaryZone_BootstrapsAclsWithTheManagementTokenAndVerifiesEveryConnection()
    {
        var config = JsonNode.Parse(ConsulAgentConfigs.Server(Spec, Network, 0, ConsulNode.BootVariables).ToJson())!;

        Assert.Equal("eu-west-1a", (string?)config["primary_datacenter"]);
        var acl = config["acl"]!;
        Assert.True((bool)acl["enabled"]!);
        Assert.Equal("deny", (string?)acl["default_policy"]);
        Assert.Equal("extend-cache", (string?)acl["down_policy"]);
        Assert.Equal("${MANAGEMENT_TOKEN}", (string?)acl["tokens"]!["initial_management"]);
        Assert.Equal("${AGENT_TOKEN}", (string?)acl["tokens"]!["agent"]);
        Assert.Equal("${DNS_TOKEN}", (string?)acl["tokens"]!["dns"]);
        Assert.Null(acl["tokens"]!["replication"]);
        Assert.Null(acl["enable_token_replication"]);
        var tls = config["tls"]!;
        Assert.Equal("/etc/consul.d/tls/server.pem", (string?)tls["defaults"]!["cert_file"]);
        Assert.True((bool)tls["defaults"]!["verify_outgoing"]!);
        Assert.True((bool)tls["internal_rpc"]!["verify_incoming"]!);
        Assert.True((bool)tls["internal_rpc"]!["verify_server_hostname"]!);
        Assert.False((bool)tls["https"]!["verify_incoming"]!);
        Assert.True((bool)config["auto_encrypt"]!["allow_tls"]!);
        Assert.Equal(-1, (int?)config["ports"]!["http"]);
        Assert.Equal(8501, (int?)config["ports"]!["https"]);
    }

    [Fact]
    public void Server_SecondaryZone_ReplicatesTokensFromThePrimaryAndNeverHoldsTheManagementToken()
    {
        var config = JsonNode.Parse(ConsulAgentConfigs.Server(Spec, Network, 1, ConsulNode.BootVariables).ToJson())!;

        Assert.Equal("eu-west-1a", (string?)config["primary_datacenter"]);
        Assert.Equal("${REPLICATION_TOKEN}", (string?)config["acl"]!["tokens"]!["replication"]);
        Assert.True((bool)config["acl"]!["enable_token_replication"]!);
        Assert.Null(config["acl"]!["tokens"]!["initial_management"]);
        Assert.DoesNotContain("MANAGEMENT_TOKEN", config.ToJsonString());
    }

    [Fact]
    public void Client_AnyZone_GetsItsCertificateThroughAutoEncryptAndHoldsOnlyAgentAndDnsTokens()
    {
        var config = JsonNode.Parse(ConsulAgentConfigs.Client(Spec, Network, 1, ConsulNode.BootVariables).ToJson())!;

        Assert.Equal("eu-west-1a", (string?)config["primary_datacenter"]);
        Assert.True((bool)config["auto_encrypt"]!["tls"]!);
        Assert.Null(config["auto_encrypt"]!["allow_tls"]);
        Assert.Null(config["tls"]!["defaults"]!["cert_file"]);
        Assert.Equal("/etc/consul.d/tls/ca.pem", (string?)config["tls"]!["defaults"]!["ca_file"]);
        Assert.True((bool)config["tls"]!["internal_rpc"]!["verify_server_hostname"]!);
        Assert.Equal(["agent", "dns"], config["acl"]!["tokens"]!.AsObject().Select(kv => kv.Key).Order());
        Assert.Equal(-1, (int?)config["ports"]!["http"]);
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
