using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Provisioning.Clusters;
using Provisioning.Consul;
using Provisioning.Tests.Support;

namespace Provisioning.Tests;

public partial class BootScriptTests
{
    private static readonly ClusterSpec Spec = TestSpecs.Spec(adminCidr: TestSpecs.AdminCidr);
    private static readonly NetworkLayout Network = NetworkLayout.For(Spec);

    [Theory]
    [InlineData(ConsulRole.Server)]
    [InlineData(ConsulRole.Client)]
    public async Task Render_EitherRole_PassesShellcheckWithoutSuppressions(ConsulRole role)
    {
        var script = BootScript.Render(Spec, Network, role);

        var (exitCode, output) = await Shellcheck.RunAsync(script);

        Assert.True(exitCode == 0, output);
        Assert.DoesNotContain("shellcheck disable", script);
    }

    /// <summary>The script the boot script writes for systemd to run is a program too: it gets the same lint.</summary>
    [Fact]
    public async Task Render_Server_EmbeddedAclBootstrapScriptPassesShellcheck()
    {
        var bootstrap = EmbeddedBootstrap().Match(BootScript.Render(Spec, Network, ConsulRole.Server));
        Assert.True(bootstrap.Success);

        var (exitCode, output) = await Shellcheck.RunAsync(bootstrap.Groups["script"].Value);

        Assert.True(exitCode == 0, output);
    }

    [Theory]
    [InlineData(ConsulRole.Server)]
    [InlineData(ConsulRole.Client)]
    public void Render_EitherRole_FollowsTheSpecificationsStepsInOrder(ConsulRole role)
    {
        var script = BootScript.Render(Spec, Network, role);

        var positions = BootScript.Steps.Select(step => script.IndexOf(step, StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(-1, positions);
        Assert.Equal(positions.Order(), positions);
        string[] inOrder =
        [
            "set -Eeuo pipefail", "/var/log/user-data.log", "X-aws-ec2-metadata-token-ttl-seconds", "placement/availability-zone",
            "releases.hashicorp.com/consul/", "sha256sum --check", "useradd", "amazon-cloudwatch-agent-ctl",
            "aws ssm get-parameter", "/etc/consul.d/tls/ca.pem", "/etc/consul.d/consul.json", "consul validate", "Domains=~consul",
            "stub-resolv.conf", "Type=notify", "systemctl start --no-block consul", "/etc/profile.d/consul.sh",
            "self_test()", "getent hosts consul.service.consul", "dig +short", "complete_lifecycle CONTINUE",
        ];
        var commands = inOrder.Select(c => script.IndexOf(c, StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(-1, commands);
        Assert.Equal(commands.Order(), commands);
    }

    [Fact]
    public void Render_Server_WritesEachZonesConfigWithOwnAndOtherJoinTags()
    {
        var script = BootScript.Render(Spec, Network, ConsulRole.Server);

        var configs = AgentConfigs(script);

        Assert.Equal(["eu-west-1a", "eu-west-1b"], configs.Keys);
        foreach (var (zone, other) in new[] { ("eu-west-1a", "eu-west-1b"), ("eu-west-1b", "eu-west-1a") })
        {
            var config = configs[zone];
            Assert.Equal(zone, (string?)config["datacenter"]);
            Assert.True((bool)config["server"]!);
            Assert.EndsWith($"tag_value=alpha-{zone}", (string?)config["retry_join"]![0]);
            Assert.EndsWith($"tag_value=alpha-{other}", (string?)config["retry_join_wan"]![0]);
            Assert.Equal("${GOSSIP_KEY}", (string?)config["encrypt"]);
            Assert.Equal("${INSTANCE_ID}", (string?)config["node_name"]);
        }
        Assert.Contains("AZ=$(imds placement/availability-zone)", script);
        Assert.Contains("case \"${AZ}\" in", script);
    }

    [Fact]
    public void Render_Client_JoinsOnlyItsOwnZoneAndNeverTheWan()
    {
        var script = BootScript.Render(Spec, Network, ConsulRole.Client);

        var configs = AgentConfigs(script);

        Assert.Equal(2, configs.Count);
        foreach (var (zone, config) in configs)
        {
            Assert.EndsWith($"tag_value=alpha-{zone}", (string?)Assert.Single(config["retry_join"]!.AsArray()));
            Assert.False(config.ContainsKey("retry_join_wan"));
            Assert.False(config.ContainsKey("server"));
        }
    }

    [Theory]
    [InlineData(ConsulRole.Server)]
    [InlineData(ConsulRole.Client)]
    public void Render_EitherRole_ReadsItsSecretsAtBootAndNeverHoldsOrTracesThem(ConsulRole role)
    {
        var script = BootScript.Render(Spec, Network, role);

        Assert.Contains("aws ssm get-parameter --region \"${REGION}\" --name \"$1\" --with-decryption", script);
        Assert.Contains("GOSSIP_KEY=$(parameter '/consul/alpha/gossip-key')", script);
        Assert.Contains("AGENT_TOKEN=$(parameter '/consul/alpha/acl/agent')", script);
        Assert.Contains("DNS_TOKEN=$(parameter '/consul/alpha/acl/dns')", script);
        // What only servers need is never read by a client.
        foreach (var serverOnly in new[] { "/consul/alpha/tls/ca-key", "/consul/alpha/acl/management", "/consul/alpha/acl/replication", "/consul/alpha/acl/health" })
            Assert.Equal(role == ConsulRole.Server, script.Contains(serverOnly, StringComparison.Ordinal));
        Assert.Empty(SecretScan.GossipKeyLookalikes(script));
        Assert.DoesNotMatch(@"set\s+-[a-z]*x|xtrace", script.Replace("Never enable xtrace", ""));
        Assert.DoesNotContain("echo \"${GOSSIP_KEY}", script);
    }

    [Theory]
    [InlineData(ConsulRole.Server)]
    [InlineData(ConsulRole.Client)]
    public void Render_EitherRole_InstallsThePinnedConsulVersionAndShipsLogsToTheClustersGroups(ConsulRole role)
    {
        var spec = TestSpecs.Spec() with { ConsulVersion = "2.0.4" };

        var script = BootScript.Render(spec, NetworkLayout.For(spec), role);

        Assert.Contains("readonly CONSUL_VERSION='2.0.4'", script);
        Assert.DoesNotContain("2.1.0", script);
        foreach (var group in new[] { "/consul/alpha/consul", "/consul/alpha/system", "/consul/alpha/boot" })
            Assert.Contains($"\"log_group_name\": \"{group}\"", script);
        Assert.Contains("\"log_stream_name\": \"{instance_id}\"", script);
        Assert.Contains("LimitNOFILE=65536", script);
        Assert.Contains("Restart=on-failure", script);
        Assert.Contains("DNS=127.0.0.1:8600", script);
    }

    [Theory]
    [InlineData(ConsulRole.Server)]
    [InlineData(ConsulRole.Client)]
    public void Render_LongestNamesAndZones_StaysWithinEc2sUserDataLimit(ConsulRole role)
    {
        var spec = TestSpecs.Spec(name: "a" + new string('b', 30) + "c", region: "ap-southeast-2", zones: ["ap-southeast-2b", "ap-southeast-2c"], servers: 5);

        var script = BootScript.Render(spec, NetworkLayout.For(spec), role);

        // EC2 rejects user data above 16 KB before base64 encoding; the plan sends it gzipped.
        Assert.InRange(UserData.SizeInBytes(UserData.Encode(script)), 1, UserData.MaxBytes);
    }

    [Fact]
    public void Render_Server_SignsItsOwnCertificateAtBootAndShredsTheCaKey()
    {
        var script = BootScript.Render(Spec, Network, ConsulRole.Server);

        Assert.Contains("tls cert create -server -dc \"${AZ}\" -domain consul", script);
        Assert.Contains("-additional-ipaddress \"${PRIVATE_IP}\"", script);
        Assert.Contains("install -o consul -g consul -m 0600 \"${CERT_DIR}/${AZ}-server-consul-0-key.pem\" /etc/consul.d/tls/server-key.pem", script);
        Assert.True(script.IndexOf("shred -u \"${CERT_DIR}/ca-key.pem\"", StringComparison.Ordinal) > script.IndexOf("tls cert create", StringComparison.Ordinal));
        // The CA key goes straight from SSM into a private file, never into a shell variable.
        Assert.Contains("(umask 077 && parameter '/consul/alpha/tls/ca-key' > \"${CERT_DIR}/ca-key.pem\")", script);
        Assert.Contains("export CONSUL_CACERT=/etc/consul.d/tls/ca.pem", script);
    }

    [Fact]
    public void Render_Client_TrustsTheCertificateAutoEncryptGaveItsOwnApiBesideTheClusterCa()
    {
        var script = BootScript.Render(Spec, Network, ConsulRole.Client);

        Assert.DoesNotContain("tls cert create", script);
        Assert.DoesNotContain("ca-key", script);
        Assert.Contains("/v1/agent/connect/ca/roots", script);
        Assert.Contains("export CONSUL_CACERT=/etc/consul.d/tls/cli-ca-bundle.pem", script);
        Assert.Contains("export CONSUL_HTTP_ADDR=https://127.0.0.1:8501", script);
    }

    [Fact]
    public void Render_Server_BootstrapsAclsOnlyInThePrimaryDatacenterWithEveryPolicyAndToken()
    {
        var script = BootScript.Render(Spec, Network, ConsulRole.Server);

        Assert.Contains("if [[ \"${AZ}\" == 'eu-west-1a' ]]; then", script);
        Assert.Contains("Type=oneshot", script);
        Assert.Contains("Restart=on-failure", script);
        Assert.Contains("systemctl enable consul-acl-bootstrap", script);
        foreach (var policy in ConsulAclPolicies.All)
        {
            Assert.Contains($"ensure_policy {policy.Name} '{policy.Description}'", script);
            Assert.Contains($"ensure_token {policy.Name} \"${{{policy.TokenVariable}}}\"", script);
            Assert.Contains(policy.Rules.TrimEnd(), script);
        }
        // Idempotent: what exists counts as done, and a lost race with another server too.
        Assert.Contains("consul acl token read -self", script);
        Assert.Contains("consul acl policy read -name", script);
        Assert.Contains("consul acl token create -secret", script);
        // The bootstrap waits for a leader and lets systemd retry.
        Assert.Contains("/v1/status/leader", script);
        Assert.DoesNotContain("consul-acl-bootstrap", BootScript.Render(Spec, Network, ConsulRole.Client));
    }

    [Theory]
    [InlineData(ConsulRole.Server)]
    [InlineData(ConsulRole.Client)]
    public void Render_EitherRole_ProvesItsBootThenCompletesTheLifecycleActionAndAbandonsOnAnyFailure(ConsulRole role)
    {
        var script = BootScript.Render(Spec, Network, role);

        Assert.Contains("systemctl is-active --quiet consul", script);
        Assert.Contains("members -status=alive", script);
        Assert.Contains("getent hosts consul.service.consul", script);
        Assert.Contains("dig +short +time=2 +tries=1 consul.service.consul", script);
        Assert.Equal(role == ConsulRole.Server, script.Contains("has no leader yet", StringComparison.Ordinal));
        Assert.Contains("--lifecycle-hook-name 'consul-boot'", script);
        Assert.Contains("complete_lifecycle CONTINUE", script);
        Assert.Contains("complete_lifecycle ABANDON", script);
        Assert.Contains("trap on_exit EXIT", script);
        // The self-test asks only about this node's own datacenter: never the WAN, never the other zone.
        var selfTest = script[script.IndexOf("self_test() {", StringComparison.Ordinal)..script.IndexOf("passed=false", StringComparison.Ordinal)];
        Assert.DoesNotContain("-wan", selfTest);
        Assert.DoesNotContain("eu-west-1b", selfTest);
        var groups = role == ConsulRole.Server ? new[] { "alpha-server-eu-west-1a", "alpha-server-eu-west-1b" } : ["alpha-client"];
        Assert.All(groups, g => Assert.Contains($"ASG_NAME='{g}'", script));
    }

    [Theory]
    [InlineData(ConsulRole.Server)]
    [InlineData(ConsulRole.Client)]
    public void Render_EitherRole_RoutesConsulDnsThroughTheStubResolverWithoutSsh(ConsulRole role)
    {
        var script = BootScript.Render(Spec, Network, role);

        Assert.Contains("Domains=~consul", script);
        Assert.Contains("ln -sf /run/systemd/resolve/stub-resolv.conf /etc/resolv.conf", script);
        // systemd-resolved runs as its own user: its drop-in is written after the secrets' umask is lifted.
        var restored = script.IndexOf("umask 022", StringComparison.Ordinal);
        Assert.InRange(restored, script.IndexOf("chmod 0640 /etc/consul.d/consul.json", StringComparison.Ordinal), script.IndexOf("resolved.conf.d/consul.conf", StringComparison.Ordinal));
        // Operators read the CA through the CLI environment; only the files with secrets are closed.
        Assert.Contains("install -d -o consul -g consul -m 0755 /etc/consul.d /etc/consul.d/tls", script);
        Assert.DoesNotContain("sshd", script);
        Assert.DoesNotContain("authorized_keys", script);
        Assert.DoesNotContain(":8500", script);
    }

    [Fact]
    public void Build_Plan_AgentConfigsAreExactlyWhatTheBootScriptsWrite()
    {
        var plan = TestSpecs.Plan(Spec);

        var written = new[] { "server", "client" }
            .SelectMany(role => ConsulHeredoc().Matches(plan.BootScripts[role]).Select(m => (Key: $"{role}/{m.Groups["zone"].Value}", Json: m.Groups["json"].Value)))
            .ToDictionary(c => c.Key, c => c.Json);

        Assert.Equal(["client/eu-west-1a", "client/eu-west-1b", "server/eu-west-1a", "server/eu-west-1b"], plan.AgentConfigs.Keys.Order());
        Assert.Equal(written.OrderBy(c => c.Key), plan.AgentConfigs.OrderBy(c => c.Key));
    }

    /// <summary>The agent configuration each case branch writes, by datacenter, as bash would write it (variables left in).</summary>
    internal static Dictionary<string, JsonObject> AgentConfigs(string script) =>
        ConsulHeredoc().Matches(script).ToDictionary(
            m => m.Groups["zone"].Value,
            m => JsonNode.Parse(m.Groups["json"].Value)!.AsObject());

    [GeneratedRegex(@"<<'BOOTSTRAP'\n(?<script>.*?)\nBOOTSTRAP\n", RegexOptions.Singleline)]
    private static partial Regex EmbeddedBootstrap();

    [GeneratedRegex(@"^  (?<zone>[a-z0-9-]+)\)\n    cat > /etc/consul\.d/consul\.json <<CONSUL\n(?<json>.*?)\nCONSUL\n", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex ConsulHeredoc();
}
