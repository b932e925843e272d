using System.Text;
using Provisioning.Clusters;

namespace Provisioning.Consul;

/// <summary>
/// Renders the user data of a launch template, following the boot steps of consul-topology.md
/// in order, hardened. One script serves every AZ of its role: the instance reads its AZ from
/// IMDSv2 and writes that AZ's agent configuration. The script holds no secret: every secret is
/// read from SSM on the instance, and the node proves its boot before its group counts it.
/// </summary>
public static class BootScript
{
    /// <summary>Each step opens with one of these comments, in this order, in both roles' scripts.</summary>
    public static readonly IReadOnlyList<string> Steps =
    [
        "# Step 1: strict mode, boot log, and abandon the instance on any failure",
        "# Step 2: instance identity from IMDSv2",
        "# Step 3: Consul",
        "# Step 4: CloudWatch agent",
        "# Step 5: secrets from SSM",
        "# Step 6: TLS",
        "# Step 7: agent configuration",
        "# Step 8: .consul DNS forwarding",
        "# Step 9: systemd unit and CLI environment",
        "# Step 10: ACL bootstrap",
        "# Step 11: self-test",
        "# Step 12: complete the lifecycle action",
    ];

    /// <summary>How long the self-test keeps trying: well inside the lifecycle hook's heartbeat.</summary>
    public const int SelfTestAttempts = 90, SelfTestIntervalSeconds = 10;

    /// <summary>How long a client waits for its own HTTPS API (5 s apart): its certificate needs the servers up.</summary>
    public const int RootsAttempts = 120, RootsIntervalSeconds = 5;

    public static string Render(ClusterSpec spec, NetworkLayout network, ConsulRole role)
    {
        var server = role == ConsulRole.Server;
        var script = new StringBuilder();
        script.Append($$"""
            #!/usr/bin/env bash
            # Consul {{spec.ConsulVersion}} {{role.Key()}} of cluster {{spec.Name}}, rendered by the portal.
            {{Steps[0]}}
            # Never enable xtrace here: the gossip key and ACL tokens pass through this shell.
            set -Eeuo pipefail
            exec > >(tee -a {{ConsulPaths.BootLog}}) 2>&1
            echo "boot script started at $(date --iso-8601=seconds)"

            readonly CONSUL_VERSION='{{spec.ConsulVersion}}'
            LIFECYCLE_COMPLETED=false
            FAILED_COMMAND=""
            trap 'FAILED_COMMAND="line ${LINENO}: ${BASH_COMMAND}"' ERR
            # Before IMDS answers the instance cannot name itself: the hook abandons it at its heartbeat timeout.
            on_exit() {
              local status=$?
              if [[ ${status} -ne 0 && ${LIFECYCLE_COMPLETED} == false && -n ${INSTANCE_ID:-} ]]; then
                echo "boot failed with exit status ${status} at ${FAILED_COMMAND:-an unknown command}: abandoning ${INSTANCE_ID} so that its group replaces it" >&2
                complete_lifecycle ABANDON || echo "the lifecycle action could not be completed; the hook abandons the instance at its heartbeat timeout" >&2
              fi
            }
            trap on_exit EXIT

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
            case "${AZ}" in

            """);
        for (var zone = 0; zone < spec.AvailabilityZones.Count; zone++)
            script.Append($$"""
                  {{ConsulAgentConfigs.Datacenter(spec, zone)}}) ASG_NAME='{{(server ? ClusterNames.ServerGroupName(spec, zone) : ClusterNames.ClientGroupName(spec))}}' ;;

                """);
        script.Append($$"""
              *)
                echo "${AZ} is not one of this cluster's zones ({{string.Join(", ", spec.AvailabilityZones)}})" >&2
                exit 1
                ;;
            esac
            complete_lifecycle() {
              aws autoscaling complete-lifecycle-action --region "${REGION}" --auto-scaling-group-name "${ASG_NAME}" \
                --lifecycle-hook-name '{{ClusterNames.BootLifecycleHook}}' --instance-id "${INSTANCE_ID}" --lifecycle-action-result "$1"
              LIFECYCLE_COMPLETED=true
              echo "lifecycle action of ${INSTANCE_ID} in ${ASG_NAME} completed with $1"
            }

            {{Steps[2]}} (pinned version, checksum verified)
            # bind-utils brings dig for the DNS self-test; jq reads Consul's JSON answers.
            dnf install -y unzip rsyslog amazon-cloudwatch-agent bind-utils jq
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
            # The configuration and TLS folders are readable by operators (the CA and certificates are public); the
            # files holding secrets (the agent configuration, the server key) are not.
            install -d -o consul -g consul -m 0755 {{ConsulPaths.ConfigDir}} {{ConsulPaths.TlsDir}}
            install -d -o consul -g consul -m 0750 {{ConsulPaths.DataDir}} {{ConsulPaths.LogDir}}
            {{ConsulPaths.Binary}} version

            {{Steps[3]}}
            cat > {{CloudWatchAgentConfig.Path}} <<'CLOUDWATCH'
            {{CloudWatchAgentConfig.For(spec).ToJson()}}
            CLOUDWATCH
            /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \
              -c file:{{CloudWatchAgentConfig.Path}}

            {{Steps[4]}} (the instance profile may take a moment to become usable)
            parameter() {
              local attempt
              for attempt in $(seq 1 30); do
                if aws ssm get-parameter --region "${REGION}" --name "$1" --with-decryption --query Parameter.Value --output text; then
                  return 0
                fi
                echo "parameter $1 is not readable yet (attempt ${attempt}), retrying" >&2
                sleep 10
              done
              echo "could not read the parameter $1" >&2
              return 1
            }

            """);
        // The CA key is read straight into a file below; the health token only by the primary's bootstrap.
        foreach (var parameter in ClusterParameters.ReadBy(role).Where(p => p != ClusterParameters.CaKey && p != ClusterParameters.HealthToken))
        {
            var read = $"{parameter.Variable}=$(parameter '{parameter.Name(spec)}')";
            // One launch template serves both datacenters; only the primary's servers need the management token.
            script.Append(parameter == ClusterParameters.ManagementToken
                ? $"{parameter.Variable}=\"\"\nif [[ \"${{AZ}}\" == '{ConsulAgentConfigs.Datacenter(spec, ConsulAgentConfigs.PrimaryZone)}' ]]; then\n  {read}\nfi\n"
                : read + "\n");
        }

        script.Append($$"""

            {{Steps[5]}}: every agent trusts the cluster CA; {{(server ? "a server signs its own certificate, then forgets the CA key" : "a client gets its certificate from the servers (auto_encrypt)")}}
            printf '%s\n' "${CA_CERTIFICATE}" > {{ConsulPaths.CaCertificate}}
            chmod 0644 {{ConsulPaths.CaCertificate}}

            """);
        if (server)
            script.Append($$"""
                CERT_DIR=$(mktemp -d)
                (umask 077 && parameter '{{ClusterParameters.CaKey.Name(spec)}}' > "${CERT_DIR}/ca-key.pem")
                # server.<dc>.consul, localhost and 127.0.0.1 are always in the certificate; the private address joins them.
                (cd "${CERT_DIR}" && {{ConsulPaths.Binary}} tls cert create -server -dc "${AZ}" -domain consul \
                  -ca {{ConsulPaths.CaCertificate}} -key "${CERT_DIR}/ca-key.pem" -additional-ipaddress "${PRIVATE_IP}" -days {{CertificateDays}})
                install -o consul -g consul -m 0644 "${CERT_DIR}/${AZ}-server-consul-0.pem" {{ConsulPaths.ServerCertificate}}
                install -o consul -g consul -m 0600 "${CERT_DIR}/${AZ}-server-consul-0-key.pem" {{ConsulPaths.ServerKey}}
                shred -u "${CERT_DIR}/ca-key.pem"
                rm -rf "${CERT_DIR}"

                """);

        script.Append($$"""

            {{Steps[6]}} for this instance's AZ, which is its datacenter
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
            esac
            unset GOSSIP_KEY
            chown consul:consul {{ConsulPaths.ConfigFile}}
            chmod 0640 {{ConsulPaths.ConfigFile}}
            # Back to the usual mask: systemd-resolved, which runs as its own user, must read its drop-in below.
            umask 022
            {{ConsulPaths.Binary}} validate {{ConsulPaths.ConfigDir}}

            {{Steps[7]}} through systemd-resolved
            # ~consul goes to Consul on 8600. Other names may reach it too (resolved asks every default-route
            # server); Consul forwards them to the VPC resolver (recursors), so every answer agrees.
            install -d /etc/systemd/resolved.conf.d
            cat > /etc/systemd/resolved.conf.d/consul.conf <<'RESOLVED'
            [Resolve]
            DNS=127.0.0.1:8600
            DNSSEC=false
            Domains=~consul
            RESOLVED
            # AL2023 (since 2023.5.20240624) links resolv.conf to resolved's non-stub file naming the VPC resolver,
            # so getent and dig would bypass the ~consul route; the stub sends them through resolved.
            ln -sf /run/systemd/resolve/stub-resolv.conf /etc/resolv.conf
            systemctl restart systemd-resolved

            {{Steps[8]}}
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
            # Do not wait for readiness here: the self-test below waits, for this node's own datacenter only.
            systemctl start --no-block consul
            # Operators reach the node through Session Manager; this makes the consul CLI speak HTTPS there.
            cat > {{ConsulPaths.CliEnvironment}} <<'PROFILE'
            export CONSUL_HTTP_ADDR=https://127.0.0.1:{{ConsulPorts.HttpsPort}}
            export CONSUL_CACERT={{(server ? ConsulPaths.CaCertificate : ConsulPaths.CliTrustBundle)}}
            PROFILE
            chmod 0644 {{ConsulPaths.CliEnvironment}}
            export CONSUL_HTTP_ADDR=https://127.0.0.1:{{ConsulPorts.HttpsPort}}

            """);
        if (!server)
            script.Append($$"""
                # A client's own HTTPS listener presents the certificate auto_encrypt obtained, signed by Consul's
                # built-in (Connect) CA rather than the cluster CA. Its roots are read once from this very agent on
                # loopback, where nothing but root could stand in between, and trusted beside the cluster CA.
                CONNECT_ROOTS=""
                # The listener opens once auto_encrypt got a certificate, which waits for this zone's servers.
                for attempt in $(seq 1 {{RootsAttempts}}); do
                  if CONNECT_ROOTS=$(curl -fsS --insecure -H "X-Consul-Token: ${AGENT_TOKEN}" \
                      "${CONSUL_HTTP_ADDR}/v1/agent/connect/ca/roots" | jq -r '.Roots[].RootCert'); then
                    break
                  fi
                  echo "the agent's HTTPS API is not answering yet (attempt ${attempt}), retrying" >&2
                  sleep {{RootsIntervalSeconds}}
                done
                if [[ -z "${CONNECT_ROOTS}" ]]; then
                  echo "could not read the agent's certificate roots" >&2
                  exit 1
                fi
                printf '%s\n%s\n' "$(cat {{ConsulPaths.CaCertificate}})" "${CONNECT_ROOTS}" > {{ConsulPaths.CliTrustBundle}}
                chmod 0644 {{ConsulPaths.CliTrustBundle}}

                """);
        script.Append($"export CONSUL_CACERT={(server ? ConsulPaths.CaCertificate : ConsulPaths.CliTrustBundle)}\n\n");

        script.Append(server ? AclBootstrap(spec) : $"{Steps[9]}: created by the primary datacenter's servers; nothing to do on a client\n\n");

        script.Append($$"""
            {{Steps[10]}}: this node and its own datacenter only; never wait for the other one
            self_test() {
              if ! systemctl is-active --quiet consul; then
                echo "self-test: the consul service is not active"
                return 1
              fi
              if ! CONSUL_HTTP_TOKEN="${AGENT_TOKEN}" {{ConsulPaths.Binary}} members -status=alive | awk 'NR > 1 { print $1 }' | grep -qxF "${INSTANCE_ID}"; then
                echo "self-test: ${INSTANCE_ID} is not an alive member of ${AZ}"
                return 1
              fi

            """);
        if (server)
            script.Append($$"""
                  local leader
                  # Status endpoints need no token; an empty string means no leader even with HTTP 200.
                  leader=$(curl -fsS --cacert "${CONSUL_CACERT}" "${CONSUL_HTTP_ADDR}/v1/status/leader" || true)
                  if [[ -z "${leader}" || "${leader}" == '""' ]]; then
                    echo "self-test: datacenter ${AZ} has no leader yet"
                    return 1
                  fi

                """);
        script.Append($$"""
              if ! getent hosts consul.service.consul >/dev/null; then
                echo "self-test: getent cannot resolve consul.service.consul through the system resolver"
                return 1
              fi
              if [[ -z "$(dig +short +time=2 +tries=1 consul.service.consul)" ]]; then
                echo "self-test: dig gets no answer for consul.service.consul through the system resolver"
                return 1
              fi
            }
            passed=false
            for attempt in $(seq 1 {{SelfTestAttempts}}); do
              if self_test; then
                passed=true
                break
              fi
              echo "self-test attempt ${attempt} of {{SelfTestAttempts}} failed; retrying in {{SelfTestIntervalSeconds}} s"
              sleep {{SelfTestIntervalSeconds}}
            done
            unset AGENT_TOKEN DNS_TOKEN

            {{Steps[11]}}
            if [[ ${passed} != true ]]; then
              echo "boot self-test did not pass within {{SelfTestAttempts * SelfTestIntervalSeconds}} s: abandoning ${INSTANCE_ID}" >&2
              complete_lifecycle ABANDON
              exit 1
            fi
            complete_lifecycle CONTINUE
            echo "boot script finished at $(date --iso-8601=seconds)"

            """);
        return script.ToString();
    }

    /// <summary>Server certificates live as long as the CA that signs them.</summary>
    private static int CertificateDays => (int)Security.ClusterSecrets.CaLifetime.TotalDays;

    /// <summary>
    /// On the primary DC's servers: an idempotent systemd unit that, once a leader exists, creates the
    /// policies and the tokens with the SecretIDs the portal generated. Retried until it succeeds.
    /// </summary>
    private static string AclBootstrap(ClusterSpec spec)
    {
        var primary = ConsulAgentConfigs.Datacenter(spec, ConsulAgentConfigs.PrimaryZone);
        var text = new StringBuilder();
        text.Append($$"""
            {{Steps[9]}}: on the primary datacenter's servers ({{primary}}), which own ACL writes
            if [[ "${AZ}" == '{{primary}}' ]]; then
              HEALTH_TOKEN=$(parameter '{{ClusterParameters.HealthToken.Name(spec)}}')
              install -d -m 0700 {{ConsulPaths.AclBootstrapDir}}
              (umask 077 && cat > {{ConsulPaths.AclBootstrapDir}}/tokens.env <<TOKENS
            MANAGEMENT_TOKEN=${MANAGEMENT_TOKEN}
            {{string.Join("\n", ConsulAclPolicies.All.Select(p => $"{p.TokenVariable}=${{{p.TokenVariable}}}"))}}
            TOKENS
              )
              unset HEALTH_TOKEN

            """);
        foreach (var policy in ConsulAclPolicies.All)
            text.Append($$"""
                  cat > {{ConsulPaths.AclBootstrapDir}}/{{policy.Name}}.hcl <<'POLICY'
                {{policy.Rules.TrimEnd()}}
                POLICY

                """);
        text.Append($$"""
              cat > /usr/local/bin/consul-acl-bootstrap <<'BOOTSTRAP'
            #!/usr/bin/env bash
            # Creates the ACL policies and tokens. Idempotent: what already exists counts as done.
            set -euo pipefail
            export CONSUL_HTTP_ADDR=https://127.0.0.1:{{ConsulPorts.HttpsPort}} CONSUL_CACERT={{ConsulPaths.CaCertificate}}
            export CONSUL_HTTP_TOKEN="${MANAGEMENT_TOKEN}"
            leader=$(curl -fsS --cacert "${CONSUL_CACERT}" "${CONSUL_HTTP_ADDR}/v1/status/leader" || true)
            if [[ -z "${leader}" || "${leader}" == '""' ]]; then
              echo "no leader yet; systemd retries"
              exit 1
            fi
            ensure_policy() {
              if consul acl policy read -name "$1" >/dev/null 2>&1; then
                echo "policy $1 exists"
                return 0
              fi
              consul acl policy create -name "$1" -description "$2" -rules "@{{ConsulPaths.AclBootstrapDir}}/$1.hcl" >/dev/null \
                || consul acl policy read -name "$1" >/dev/null
              echo "policy $1 created"
            }
            ensure_token() {
              if CONSUL_HTTP_TOKEN="$2" consul acl token read -self >/dev/null 2>&1; then
                echo "token of $1 exists"
                return 0
              fi
              # Another server may have created it meanwhile: then it exists, which is all that matters.
              consul acl token create -secret "$2" -policy-name "$1" -description "$1 token, created by the cluster bootstrap" >/dev/null \
                || CONSUL_HTTP_TOKEN="$2" consul acl token read -self >/dev/null
              echo "token of $1 created"
            }

            """);
        foreach (var policy in ConsulAclPolicies.All)
        {
            if (policy.Description.Contains('\'')) throw new InvalidOperationException($"The description of policy {policy.Name} cannot be quoted for the shell.");
            text.Append($"ensure_policy {policy.Name} '{policy.Description}'\n");
        }
        foreach (var policy in ConsulAclPolicies.All)
            text.Append($"ensure_token {policy.Name} \"${{{policy.TokenVariable}}}\"\n");
        text.Append($$"""
            echo "ACL bootstrap complete"
            BOOTSTRAP
              chmod 0700 /usr/local/bin/consul-acl-bootstrap
              cat > /etc/systemd/system/consul-acl-bootstrap.service <<'UNIT'
            [Unit]
            Description=Consul ACL policies and tokens of cluster {{spec.Name}} (idempotent)
            After=consul.service
            Requires=consul.service
            StartLimitIntervalSec=0

            [Service]
            Type=oneshot
            EnvironmentFile={{ConsulPaths.AclBootstrapDir}}/tokens.env
            ExecStart=/usr/local/bin/consul-acl-bootstrap
            Restart=on-failure
            RestartSec=15
            RemainAfterExit=yes

            [Install]
            WantedBy=multi-user.target
            UNIT
              systemctl daemon-reload
              systemctl enable consul-acl-bootstrap
              systemctl start --no-block consul-acl-bootstrap
            fi
            unset MANAGEMENT_TOKEN REPLICATION_TOKEN

            """);
        return text.ToString();
    }

    /// <summary>
    /// The agent configuration goes through an unquoted heredoc so bash fills in the node's
    /// variables; anything else bash would expand there must not occur in it.
    /// </summary>
    private static void GuardHeredoc(string json)
    {
        var withoutVariables = ConsulNode.BootVariables.Values.Aggregate(json, (text, variable) => text.Replace(variable, ""));
        if (withoutVariables.IndexOfAny(['$', '`', '\\']) >= 0)
            throw new InvalidOperationException("The agent configuration holds characters the shell would expand: " + json);
    }
}
