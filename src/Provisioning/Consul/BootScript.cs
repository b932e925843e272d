using System.Text;
using Provisioning.Clusters;
using Provisioning.Topology;

namespace Provisioning.Consul;

/// <summary>
/// Renders the user data of a launch template, following the boot steps of consul-topology.md
/// in order. One script serves every AZ of its role: the instance reads its AZ from IMDSv2 and
/// writes that AZ's agent configuration. The script holds no secret; the gossip key is read
/// from SSM on the instance.
/// </summary>
public static class BootScript
{
    /// <summary>Each step of the specification opens with one of these comments, in this order.</summary>
    public static readonly IReadOnlyList<string> Steps =
    [
        "# Step 1: strict mode and boot log",
        "# Step 2: instance identity from IMDSv2",
        "# Step 3: Consul",
        "# Step 4: CloudWatch agent",
        "# Step 5: gossip key",
        "# Step 6: agent configuration",
        "# Step 7: .consul DNS forwarding",
        "# Step 8: systemd unit",
    ];

    public static string Render(ClusterSpec spec, NetworkLayout network, ConsulRole role)
    {
        var script = new StringBuilder();
        script.Append($$"""
            #!/usr/bin/env bash
            # Consul {{spec.ConsulVersion}} {{role.Key()}} of cluster {{spec.Name}}, rendered by the portal.
            {{Steps[0]}}
            # Never enable xtrace here: the gossip key passes through this shell.
            set -euo pipefail
            exec > >(tee -a {{ConsulPaths.BootLog}}) 2>&1
            echo "boot script started at $(date --iso-8601=seconds)"

            readonly CONSUL_VERSION='{{spec.ConsulVersion}}'
            readonly GOSSIP_KEY_PARAMETER='{{TopologyPlanBuilder.GossipKeyParameterName(spec)}}'

            {{Steps[1]}}
            IMDS_TOKEN=$(curl -fsS --retry 5 -X PUT 'http://169.254.169.254/latest/api/token' \
              -H 'X-aws-ec2-metadata-token-ttl-seconds: 21600')
            imds() {
              curl -fsS --retry 5 -H "X-aws-ec2-metadata-token: ${IMDS_TOKEN}" "http://169.254.169.254/latest/meta-data/$1"
            }
            INSTANCE_ID=$(imds instance-id)
            PRIVATE_IP=$(imds local-ipv4)
            AZ=$(imds placement/availability-zone)
            REGION=$(imds placement/region)
            echo "instance ${INSTANCE_ID} (${PRIVATE_IP}) in ${AZ}, ${REGION}"

            {{Steps[2]}} (pinned version, checksum verified)
            dnf install -y unzip rsyslog amazon-cloudwatch-agent
            # Amazon Linux 2023 keeps only the journal; rsyslog gives the CloudWatch agent a system log file.
            systemctl enable --now rsyslog
            case "$(uname -m)" in
              x86_64) CONSUL_ARCH=amd64 ;;
              aarch64) CONSUL_ARCH=arm64 ;;
              *) echo "unsupported architecture $(uname -m)" >&2; exit 1 ;;
            esac
            CONSUL_ZIP="consul_${CONSUL_VERSION}_linux_${CONSUL_ARCH}.zip"
            CONSUL_URL="https://releases.hashicorp.com/consul/${CONSUL_VERSION}"
            DOWNLOAD_DIR=$(mktemp -d)
            curl -fsSL --retry 5 -o "${DOWNLOAD_DIR}/${CONSUL_ZIP}" "${CONSUL_URL}/${CONSUL_ZIP}"
            curl -fsSL --retry 5 -o "${DOWNLOAD_DIR}/SHA256SUMS" "${CONSUL_URL}/consul_${CONSUL_VERSION}_SHA256SUMS"
            (cd "${DOWNLOAD_DIR}" && grep -F " ${CONSUL_ZIP}" SHA256SUMS | sha256sum --check --strict -)
            unzip -o "${DOWNLOAD_DIR}/${CONSUL_ZIP}" consul -d {{ConsulPaths.BinaryDir}}
            rm -rf "${DOWNLOAD_DIR}"
            id consul >/dev/null 2>&1 || useradd --system --home-dir {{ConsulPaths.ConfigDir}} --shell /sbin/nologin consul
            install -d -o consul -g consul -m 0750 {{ConsulPaths.ConfigDir}} {{ConsulPaths.DataDir}} {{ConsulPaths.LogDir}}
            {{ConsulPaths.Binary}} version

            {{Steps[3]}}
            cat > {{CloudWatchAgentConfig.Path}} <<'CLOUDWATCH'
            {{CloudWatchAgentConfig.For(spec).ToJson()}}
            CLOUDWATCH
            /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \
              -c file:{{CloudWatchAgentConfig.Path}}

            {{Steps[4]}} (the instance profile may take a moment to become usable)
            GOSSIP_KEY=""
            for attempt in $(seq 1 30); do
              if GOSSIP_KEY=$(aws ssm get-parameter --region "${REGION}" --name "${GOSSIP_KEY_PARAMETER}" \
                  --with-decryption --query Parameter.Value --output text); then
                break
              fi
              echo "gossip key not readable yet (attempt ${attempt}), retrying" >&2
              sleep 10
            done
            if [[ -z "${GOSSIP_KEY}" ]]; then
              echo "could not read the gossip key from ${GOSSIP_KEY_PARAMETER}" >&2
              exit 1
            fi

            {{Steps[5]}} for this instance's AZ, which is its datacenter
            umask 027
            case "${AZ}" in

            """);
        for (var zone = 0; zone < spec.AvailabilityZones.Count; zone++)
        {
            var json = ConsulAgentConfigs.For(role, spec, network, zone, ConsulNode.BootVariables).ToJson();
            GuardHeredoc(json);
            script.Append($$"""
                  {{ConsulAgentConfigs.Datacenter(spec, zone)}})
                    cat > {{ConsulPaths.ConfigFile}} <<CONSUL
                {{json}}
                CONSUL
                    ;;

                """);
        }
        script.Append($$"""
              *)
                echo "${AZ} is not one of this cluster's zones ({{string.Join(", ", spec.AvailabilityZones)}})" >&2
                exit 1
                ;;
            esac
            unset GOSSIP_KEY
            chown consul:consul {{ConsulPaths.ConfigFile}}
            chmod 0640 {{ConsulPaths.ConfigFile}}
            {{ConsulPaths.Binary}} validate {{ConsulPaths.ConfigDir}}

            {{Steps[6]}}: everything else keeps using the VPC resolver
            install -d /etc/systemd/resolved.conf.d
            cat > /etc/systemd/resolved.conf.d/consul.conf <<'RESOLVED'
            [Resolve]
            DNS=127.0.0.1:8600
            DNSSEC=false
            Domains=~consul
            RESOLVED
            systemctl restart systemd-resolved

            {{Steps[7]}}
            cat > /etc/systemd/system/consul.service <<'UNIT'
            [Unit]
            Description=Consul {{role.Key()}} agent
            Documentation=https://developer.hashicorp.com/consul/docs
            Requires=network-online.target
            After=network-online.target
            ConditionFileNotEmpty={{ConsulPaths.ConfigFile}}

            [Service]
            Type=notify
            User=consul
            Group=consul
            ExecStart={{ConsulPaths.Binary}} agent -config-dir={{ConsulPaths.ConfigDir}}
            ExecReload=/bin/kill --signal HUP $MAINPID
            KillMode=process
            KillSignal=SIGTERM
            Restart=on-failure
            # Consul reports ready after its first LAN join, which may wait for peers that are still booting.
            TimeoutStartSec=infinity
            LimitNOFILE=65536

            [Install]
            WantedBy=multi-user.target
            UNIT
            systemctl daemon-reload
            systemctl enable consul
            # Do not wait for readiness: the boot script must finish even while the other servers are down.
            systemctl start --no-block consul
            echo "boot script finished at $(date --iso-8601=seconds)"

            """);
        return script.ToString();
    }

    /// <summary>
    /// The agent configuration goes through an unquoted heredoc so bash fills in the node's
    /// variables; anything else bash would expand there must not occur in it.
    /// </summary>
    private static void GuardHeredoc(string json)
    {
        var withoutVariables = json
            .Replace(ConsulNode.BootVariables.NodeName, "")
            .Replace(ConsulNode.BootVariables.Address, "")
            .Replace(ConsulNode.BootVariables.GossipKey, "");
        if (withoutVariables.IndexOfAny(['$', '`', '\\']) >= 0)
            throw new InvalidOperationException("The agent configuration holds characters the shell would expand: " + json);
    }
}
