using Provisioning.Clusters;
using Provisioning.Consul;
using Provisioning.Topology;

namespace Portal.Components.Shared;

/// <summary>
/// What an application node runs to join a datacenter as a Consul client: the very configuration the
/// cluster's own clients get (auto-join on the zone's tag, TLS with auto_encrypt, default-deny ACLs),
/// with every secret read from its SSM parameter on the node, so none ever appears on a page.
/// </summary>
public static class ClientAgentSnippet
{
    public static string For(ClusterSpec spec, int zone)
    {
        var config = ConsulAgentConfigs.Client(spec, NetworkLayout.For(spec), zone, ConsulNode.BootVariables).ToJson();
        var reads = string.Join("\n", ClusterParameters.ReadBy(ConsulRole.Client)
            .Where(p => p != ClusterParameters.CaCertificate)
            .Select(p => $"{p.Variable}=$(parameter {p.Name(spec)})"));
        return $$"""
            # As root on the application node, with Consul {{spec.ConsulVersion}} installed (it brings the consul user).
            IMDS_TOKEN=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
            INSTANCE_ID=$(curl -fsS -H "X-aws-ec2-metadata-token: ${IMDS_TOKEN}" http://169.254.169.254/latest/meta-data/instance-id)
            PRIVATE_IP=$(curl -fsS -H "X-aws-ec2-metadata-token: ${IMDS_TOKEN}" http://169.254.169.254/latest/meta-data/local-ipv4)
            parameter() { aws ssm get-parameter --region {{spec.Region}} --with-decryption --name "$1" --query Parameter.Value --output text; }
            {{reads}}
            mkdir -p {{ConsulPaths.TlsDir}}
            parameter {{ClusterParameters.CaCertificate.Name(spec)}} > {{ConsulPaths.CaCertificate}}
            cat > {{ConsulPaths.ConfigFile}} <<CONSUL
            {{config}}
            CONSUL
            chown consul:consul {{ConsulPaths.ConfigFile}} && chmod 0640 {{ConsulPaths.ConfigFile}}
            systemctl enable --now consul && systemctl restart consul
            """;
    }

    /// <summary>The parameters the node's instance role must be allowed to read (with <c>kms:Decrypt</c> on the cluster's key).</summary>
    public static IEnumerable<string> Parameters(ClusterSpec spec) => ClusterParameters.ReadBy(ConsulRole.Client).Select(p => p.Name(spec));
}
