using System.Text.RegularExpressions;
using Provisioning.Consul;
using Provisioning.Pulumi;
using Provisioning.Tests.Support;
using Provisioning.Topology;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Provisioning.Tests;

public class PulumiProgramWriterTests
{
    public static TheoryData<string, string, string, int, int, bool> Matrix => TestSpecs.Matrix();

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Write_SpecMatrix_EveryResourceFunctionAndPropertyMatchesTheAwsSchema(
        string region, string azA, string azB, int servers, int clients, bool admin)
    {
        var schema = PulumiAwsSchema.Load();
        var plan = TestSpecs.Plan(TestSpecs.FromMatrix(region, azA, azB, servers, clients, admin));

        var yaml = PulumiProgramWriter.Write(plan);

        Assert.Empty(schema.Check(yaml));
        var root = Load(yaml);
        var resources = (YamlMappingNode)root["resources"];
        Assert.Equal(plan.Resources.Select(r => r.Name).Order(), resources.Children.Keys.Select(k => k.ToString()).Order());
        Assert.Equal(12 + (admin ? 1 : 0), plan.Resources.Count(r => r.TypeName == "SecurityGroupIngressRule"));
        Assert.Equal(plan.Invocations.Select(i => i.Variable).Order(), ((YamlMappingNode)root["variables"]).Children.Keys.Select(k => k.ToString()).Order());
    }

    [Fact]
    public void Check_ProgramWithWrongKinds_ReportsEachProblem()
    {
        var schema = PulumiAwsSchema.Load();
        var yaml = PulumiProgramWriter.Write(TestSpecs.Plan())
            .Replace("encrypted: \"true\"", "encrypted: true")
            .Replace("      minSize: 3\n", "")
            .Replace("enableDnsSupport: true", "enableDnsSupport: \"true\"")
            .Replace("healthCheckType: EC2", "healthCheckKind: EC2")
            .Replace("${consulLogGroup.arn}", "${consulLogGroup.nothing}")
            .Replace("return: value", "return: values");
        yaml = Regex.Replace(yaml, @"value:\n\s+fn::secret: ""\$\{gossipKey\}""", "value: \"${gossipKey}\"");

        var problems = schema.Check(yaml);

        Assert.Contains(problems, p => p.Contains("ebs.encrypted: expected a string, got the boolean"));
        Assert.Contains(problems, p => p.Contains("required property 'minSize' is missing"));
        Assert.Contains(problems, p => p.Contains("enableDnsSupport: expected a boolean, got string"));
        Assert.Contains(problems, p => p.Contains("unknown property 'healthCheckKind'"));
        Assert.Contains(problems, p => p.Contains("consulLogGroup has no output 'nothing'"));
        Assert.Contains(problems, p => p.Contains("has no result 'values'"));
        Assert.Contains(problems, p => p.Contains("gossipKeyParameter.properties.value: a secret input must be wrapped in fn::secret"));
    }

    [Fact]
    public void Write_Program_HasTheContractsTopLevelShape()
    {
        var plan = TestSpecs.Plan();

        var root = Load(PulumiProgramWriter.Write(plan));

        Assert.Equal(["name", "runtime", "description", "config", "variables", "resources", "outputs"], root.Children.Keys.Select(k => k.ToString()));
        Assert.Equal("consul-alpha", root["name"].ToString());
        Assert.Equal("yaml", root["runtime"].ToString());
        var outputs = (YamlMappingNode)root["outputs"];
        Assert.Equal(plan.Outputs.Keys.Order(), outputs.Children.Keys.Select(k => k.ToString()).Order());
    }

    [Fact]
    public void Write_ClientCount5To8_ChangesOnlyTheClientGroupsSizesAndTheClientCountOutputFollowsTheGroup()
    {
        var five = Load(PulumiProgramWriter.Write(TestSpecs.Plan(TestSpecs.Spec(clients: 5))));
        var eight = Load(PulumiProgramWriter.Write(TestSpecs.Plan(TestSpecs.Spec(clients: 8))));

        var before = (YamlMappingNode)five["resources"];
        var after = (YamlMappingNode)eight["resources"];
        var changed = after.Children.Where(r => r.Value.ToString() != before[r.Key].ToString()).Select(r => r.Key.ToString()).ToList();
        Assert.Equal([TopologyPlanBuilder.ClientGroup], changed);
        var group = (YamlMappingNode)after[TopologyPlanBuilder.ClientGroup]["properties"];
        var groupBefore = (YamlMappingNode)before[TopologyPlanBuilder.ClientGroup]["properties"];
        foreach (var size in new[] { "desiredCapacity", "minSize", "maxSize" })
        {
            Assert.Equal("5", groupBefore[size].ToString());
            Assert.Equal("8", group[size].ToString());
        }
        var changedProperties = group.Children.Where(p => p.Value.ToString() != groupBefore[p.Key].ToString()).Select(p => p.Key.ToString()).Order();
        Assert.Equal(["desiredCapacity", "maxSize", "minSize"], changedProperties);
        // An up of the changed program resizes the group; the output reads the size back from it.
        Assert.Equal("${clientGroup.desiredCapacity}", eight["outputs"]["clientCount"].ToString());
    }

    [Fact]
    public void Write_SamePlanTwice_GivesIdenticalSingleDocumentText()
    {
        var plan = TestSpecs.Plan();

        var first = PulumiProgramWriter.Write(plan);
        var second = PulumiProgramWriter.Write(TestSpecs.Plan());

        Assert.Equal(first, second);
        Assert.DoesNotContain('\r', first);
        Assert.StartsWith("name: consul-alpha\n", first);
        Assert.DoesNotContain("\n...", first);
    }

    [Fact]
    public void Write_Ami_IsResolvedAtDeployTimeFromThePublicParameterPerArchitecture()
    {
        var plan = TestSpecs.Plan(TestSpecs.Spec(serverType: "t4g.small", clientType: "t3.small"));

        var root = Load(PulumiProgramWriter.Write(plan));

        var variables = (YamlMappingNode)root["variables"];
        string Parameter(string variable) =>
            ((YamlMappingNode)((YamlMappingNode)((YamlMappingNode)variables[variable])["fn::invoke"])["arguments"])["name"].ToString();
        Assert.Equal("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64", Parameter(TopologyPlanBuilder.AmiArm64Variable));
        Assert.Equal("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", Parameter(TopologyPlanBuilder.AmiVariable));
        Assert.Equal("${consulAmiArm64}", Property(root, TopologyPlanBuilder.ServerLaunchTemplate, "imageId").ToString());
        Assert.Equal("${consulAmi}", Property(root, TopologyPlanBuilder.ClientLaunchTemplate, "imageId").ToString());
    }

    [Theory]
    [InlineData("server")]
    [InlineData("client")]
    public void Write_UserData_IsTheBootScriptGzippedAndBase64EncodedWithinEc2sLimit(string role)
    {
        var plan = TestSpecs.Plan();
        var template = role == "server" ? TopologyPlanBuilder.ServerLaunchTemplate : TopologyPlanBuilder.ClientLaunchTemplate;

        var root = Load(PulumiProgramWriter.Write(plan));

        var userData = Assert.IsType<YamlScalarNode>(Property(root, template, "userData"));
        Assert.Contains("${INSTANCE_ID}", plan.BootScripts[role]);
        // Reading the YAML as Pulumi does, then as cloud-init does, gives back the plan's script.
        Assert.Equal(plan.BootScripts[role], UserData.Decode(PulumiInterpolation.Unescape(userData.Value!)));
        Assert.InRange(UserData.SizeInBytes(userData.Value!), 1, UserData.MaxBytes);
    }

    /// <summary>
    /// What every agent runs with, read back from the program itself: the user data of both launch
    /// templates decoded, and each datacenter's configuration taken from the script.
    /// </summary>
    [Fact]
    public void Write_UserDataOfBothRolesAndDatacenters_RunsAclsDenyingByDefaultTlsOnlyAndOnePrimaryDatacenter()
    {
        var plan = TestSpecs.Plan(TestSpecs.Spec(adminCidr: TestSpecs.AdminCidr));
        var root = Load(PulumiProgramWriter.Write(plan));

        foreach (var (template, server) in new[] { (TopologyPlanBuilder.ServerLaunchTemplate, true), (TopologyPlanBuilder.ClientLaunchTemplate, false) })
        {
            var script = UserData.Decode(((YamlScalarNode)Property(root, template, "userData")).Value!);
            var configs = BootScriptTests.AgentConfigs(script);
            Assert.Equal(["eu-west-1a", "eu-west-1b"], configs.Keys.Order());
            foreach (var (dc, config) in configs)
            {
                var primary = dc == "eu-west-1a";
                Assert.Equal("eu-west-1a", (string?)config["primary_datacenter"]);
                Assert.Equal(dc, (string?)config["datacenter"]);
                var acl = config["acl"]!;
                Assert.True((bool)acl["enabled"]!);
                Assert.Equal("deny", (string?)acl["default_policy"]);
                Assert.Equal("extend-cache", (string?)acl["down_policy"]);
                Assert.Equal("${AGENT_TOKEN}", (string?)acl["tokens"]!["agent"]);
                Assert.Equal("${DNS_TOKEN}", (string?)acl["tokens"]!["dns"]);
                Assert.Equal(server && primary ? "${MANAGEMENT_TOKEN}" : null, (string?)acl["tokens"]!["initial_management"]);
                Assert.Equal(server && !primary ? "${REPLICATION_TOKEN}" : null, (string?)acl["tokens"]!["replication"]);
                Assert.Equal(-1, (int?)config["ports"]!["http"]);
                Assert.Equal(8501, (int?)config["ports"]!["https"]);
                var tls = config["tls"]!;
                Assert.Equal("/etc/consul.d/tls/ca.pem", (string?)tls["defaults"]!["ca_file"]);
                Assert.True((bool)tls["defaults"]!["verify_outgoing"]!);
                Assert.True((bool)tls["internal_rpc"]!["verify_server_hostname"]!);
                Assert.Equal(server ? true : null, (bool?)tls["internal_rpc"]!["verify_incoming"]);
                Assert.Equal(server ? "/etc/consul.d/tls/server.pem" : null, (string?)tls["defaults"]!["cert_file"]);
                Assert.Equal(server ? true : null, (bool?)config["auto_encrypt"]!["allow_tls"]);
                Assert.Equal(server ? null : true, (bool?)config["auto_encrypt"]!["tls"]);
                Assert.Equal("127.0.0.1", (string?)config["client_addr"]);
            }
            // The program holds references to the secrets, never the secrets.
            Assert.Contains("--with-decryption", script);
            Assert.Empty(SecretScan.GossipKeyLookalikes(script));
        }
    }

    [Fact]
    public void Write_LiteralDollarInAProperty_IsEscaped()
    {
        var root = Load(PulumiProgramWriter.Write(TestSpecs.Plan()));

        var launchTemplate = (YamlMappingNode)Property(root, TopologyPlanBuilder.ClientGroup, "launchTemplate");

        Assert.Equal("$$Latest", launchTemplate["version"].ToString());
    }

    [Fact]
    public void Write_StringBooleansAndNumbers_KeepTheirYamlKinds()
    {
        var root = Load(PulumiProgramWriter.Write(TestSpecs.Plan()));

        var mapping = (YamlSequenceNode)Property(root, TopologyPlanBuilder.ServerLaunchTemplate, "blockDeviceMappings");
        var ebs = (YamlMappingNode)((YamlMappingNode)mapping[0])["ebs"];
        Assert.NotEqual(ScalarStyle.Plain, ((YamlScalarNode)ebs["encrypted"]).Style);
        Assert.Equal(ScalarStyle.Plain, ((YamlScalarNode)ebs["volumeSize"]).Style);
        Assert.Equal(ScalarStyle.Plain, ((YamlScalarNode)Property(root, TopologyPlanBuilder.Vpc, "enableDnsHostnames")).Style);
    }

    [Fact]
    public void Write_ClusterSecrets_AreSecretConfigEachReferencedOnlyByItsSsmParameter()
    {
        var secrets = TestSpecs.Secrets();
        var plan = TestSpecs.Plan();

        var yaml = PulumiProgramWriter.Write(plan);

        var root = Load(yaml);
        var config = (YamlMappingNode)root["config"];
        Assert.Equal(ClusterParameters.All.Select(p => p.ConfigKey).Order(), config.Children.Keys.Select(k => k.ToString()).Order());
        foreach (var parameter in ClusterParameters.All)
        {
            var declared = (YamlMappingNode)config[parameter.ConfigKey];
            Assert.Equal("string", declared["type"].ToString());
            Assert.DoesNotContain("default", declared.Children.Keys.Select(k => k.ToString()));
            var value = (YamlMappingNode)Property(root, parameter.Resource, "value");
            Assert.Equal($"${{{parameter.ConfigKey}}}", value["fn::secret"].ToString());
            // Only the public CA certificate is plain configuration.
            Assert.Equal(parameter.Secure, declared.Children.ContainsKey("secret"));
            Assert.Equal(1, Regex.Count(yaml, Regex.Escape($"${{{parameter.ConfigKey}}}")));
        }
        Assert.All(secrets.Confidential, secret => Assert.DoesNotContain(secret, yaml));
        Assert.DoesNotContain(secrets.CaCertificatePem.Split('\n')[1], yaml);
        Assert.Empty(SecretScan.GossipKeyLookalikes(yaml));
    }

    [Fact]
    public void Write_DependenciesNotImpliedByProperties_AreExplicit()
    {
        var root = Load(PulumiProgramWriter.Write(TestSpecs.Plan()));

        var options = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)root["resources"])[TopologyPlanBuilder.ServerGroup(1)])["options"];
        var dependsOn = ((YamlSequenceNode)options["dependsOn"]).Select(d => d.ToString()).ToList();

        Assert.Contains("${serverRolePolicy}", dependsOn);
        Assert.Contains("${serverSessionManager}", dependsOn);
        Assert.Contains("${natRouteB}", dependsOn);
        Assert.Contains("${serverSecurityGroupEgressTcpToHttps}", dependsOn);
        Assert.Contains("${privateRouteTableAssociationB}", dependsOn);
        // Only its own zone's way out: zone A's NAT gateway is not a prerequisite of zone B's servers.
        Assert.DoesNotContain("${natRouteA}", dependsOn);
        // Implied by the launch template reference, so not repeated.
        Assert.DoesNotContain("${serverLaunchTemplate}", dependsOn);
    }

    private static YamlMappingNode Load(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    private static YamlNode Property(YamlMappingNode root, string resource, string property) =>
        ((YamlMappingNode)((YamlMappingNode)((YamlMappingNode)root["resources"])[resource])["properties"])[property];
}
