using Provisioning.Clusters;
using Provisioning.Consul;
using Provisioning.Topology;
using Provisioning.Health;

namespace Provisioning.Pulumi;

/// <summary>
/// Renders the script that <c>AWS-RunShellScript</c> runs on one server of a datacenter (consul-topology.md,
/// "Checking Consul's health from the portal"). It prints one <see cref="ConsulProbeReport"/> document and
/// nothing else on stdout, even when calls fail: each failure is a null key plus an <c>errors</c> entry, so the
/// evaluator names the failing check rather than a parse error. The script holds no secret: the server reads the
/// health token from SSM and hands it to curl in a 0600 config file, never as an argument (visible in ps) or output.
/// jq builds the document: the boot script installs it on every server, and a server whose boot failed never joins.
/// </summary>
public static class ConsulProbeScript
{
    /// <summary>
    /// The script's self-description (datacenter, primary, both datacenters), one line a reader of the command
    /// history or a stand-in for Run Command can parse: <c># consul-health-probe: datacenter=… primary=… datacenters=…,…</c>.
    /// </summary>
    public const string Header = "# consul-health-probe:";

    /// <summary>How long each HTTP call or lookup may take; the whole script stays well inside the command's timeout.</summary>
    public const int CallSeconds = 10;

    /// <summary>A printf format: every key null but the datacenter (%s) and one error (%s).</summary>
    private static readonly string BareReport = "{" + string.Join(",",
        new[] { ConsulProbeReport.Node, ConsulProbeReport.Leader, ConsulProbeReport.Autopilot, ConsulProbeReport.WanMembers,
                ConsulProbeReport.AclReplication, ConsulProbeReport.Dns }.Select(key => $"\"{key}\":null")
            .Prepend($"\"{ConsulProbeReport.Datacenter}\":\"%s\"").Append($"\"{ConsulProbeReport.Errors}\":[\"%s\"]")) + "}";

    public static string Render(ClusterSpec spec, int zone) => Render(spec, zone, ProbeEndpoints.OnServer);

    /// <summary>Where the script finds Consul and the instance metadata: on a server, or a test's stand-ins.</summary>
    internal sealed record ProbeEndpoints(string ConsulApi, string CaCertificate, string Imds)
    {
        public static readonly ProbeEndpoints OnServer =
            new($"https://127.0.0.1:{ConsulPorts.HttpsPort}", ConsulPaths.CaCertificate, "http://169.254.169.254");
    }

    internal static string Render(ClusterSpec spec, int zone, ProbeEndpoints endpoints)
    {
        var datacenter = ConsulAgentConfigs.Datacenter(spec, zone);
        var primary = ConsulAgentConfigs.Datacenter(spec, ConsulAgentConfigs.PrimaryZone);
        var datacenters = spec.AvailabilityZones.Select((_, z) => ConsulAgentConfigs.Datacenter(spec, z));
        // Only a secondary replicates ACLs; the primary's own answer would say "not enabled", which is no failure.
        var replication = zone == ConsulAgentConfigs.PrimaryZone
            ? $"echo null > \"${{WORK}}/{ConsulProbeReport.AclReplication}.json\""
            : $"consul_get /v1/acl/replication {ConsulProbeReport.AclReplication} || true";
        return $$"""
            #!/usr/bin/env bash
            # Consul health check of cluster {{spec.Name}}, datacenter {{datacenter}}, rendered by the portal. It holds no secret.
            {{Header}} datacenter={{datacenter}} primary={{primary}} datacenters={{string.Join(",", datacenters)}}
            # No -e: a failing call is reported in the document, which is printed in every case. Never enable xtrace:
            # the health token passes through this shell.
            set -uo pipefail
            umask 077
            readonly DATACENTER='{{datacenter}}'
            readonly DNS_NAME='consul.service.{{datacenter}}.consul'
            readonly API='{{endpoints.ConsulApi}}'
            WORK=$(mktemp -d)
            trap 'rm -rf "${WORK}"' EXIT
            : > "${WORK}/errors"

            # Built by hand from fixed strings, for when jq cannot build the document.
            bare_report() {
              printf '{{BareReport}}\n' "${DATACENTER}" "$1"
            }
            if ! command -v jq >/dev/null 2>&1; then
              bare_report "jq is not installed on this server"
              exit 0
            fi

            error() {
              jq -n --arg message "$1" '$message' >> "${WORK}/errors"
            }

            NODE=""
            if IMDS_TOKEN=$(curl -fsS --max-time 5 -X PUT '{{endpoints.Imds}}/latest/api/token' \
                -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' 2>"${WORK}/imds.err"); then
              NODE=$(curl -fsS --max-time 5 -H "X-aws-ec2-metadata-token: ${IMDS_TOKEN}" \
                '{{endpoints.Imds}}/latest/meta-data/instance-id' 2>>"${WORK}/imds.err") || NODE=""
            fi
            if [[ -z "${NODE}" ]]; then
              error "the instance id could not be read from IMDSv2: $(tail -c 300 "${WORK}/imds.err")"
            fi

            # The token goes from the SSM answer into curl's config file (0600 by the umask above), nothing else.
            : > "${WORK}/curl.conf"
            if TOKEN=$(aws ssm get-parameter --region '{{spec.Region}}' --name '{{ClusterParameters.HealthToken.Name(spec)}}' \
                --with-decryption --query Parameter.Value --output text \
                --cli-connect-timeout 5 --cli-read-timeout {{CallSeconds}} 2>"${WORK}/ssm.err"); then
              # A Consul SecretID is a UUID; anything else would not be safe to quote in the config file.
              if [[ "${TOKEN}" =~ ^[0-9a-fA-F-]{36}$ ]]; then
                printf 'header = "X-Consul-Token: %s"\n' "${TOKEN}" > "${WORK}/curl.conf"
              else
                error "the parameter {{ClusterParameters.HealthToken.Name(spec)}} does not hold a Consul token"
              fi
            else
              error "the health token could not be read from SSM: $(tail -c 300 "${WORK}/ssm.err")"
            fi
            unset TOKEN

            # consul_get PATH NAME [STATUSES]: the JSON body of GET PATH into NAME.json, or null there and an error.
            consul_get() {
              local path=$1 name=$2 statuses=${3:-200} status
              if ! status=$(curl -sS --max-time {{CallSeconds}} --config "${WORK}/curl.conf" --cacert '{{endpoints.CaCertificate}}' \
                  -o "${WORK}/${name}.json" -w '%{http_code}' "${API}${path}" 2>"${WORK}/${name}.err"); then
                error "GET ${path} failed: $(tail -c 300 "${WORK}/${name}.err")"
              elif [[ " ${statuses} " != *" ${status} "* ]]; then
                error "GET ${path} answered HTTP ${status}: $(head -c 300 "${WORK}/${name}.json")"
              elif [[ ! -s "${WORK}/${name}.json" ]] || ! jq empty "${WORK}/${name}.json" 2>/dev/null; then
                error "GET ${path} did not answer JSON: $(head -c 300 "${WORK}/${name}.json")"
              else
                return 0
              fi
              echo null > "${WORK}/${name}.json"
              return 1
            }

            consul_get /v1/status/leader {{ConsulProbeReport.Leader}} || true
            # Autopilot answers 429 with the same body when a server is unhealthy: that is a result, not a failure.
            consul_get /v1/operator/autopilot/health {{ConsulProbeReport.Autopilot}} '200 429' || true
            consul_get '/v1/agent/members?wan=1' {{ConsulProbeReport.WanMembers}} || true
            {{replication}}

            # The system resolver, as applications use it: systemd-resolved sends ~consul to the local agent.
            if timeout {{CallSeconds}} getent ahostsv4 "${DNS_NAME}" > "${WORK}/dns.txt" 2>/dev/null; then
              awk '{ print $1 }' "${WORK}/dns.txt" | sort -u | jq -Rn --arg name "${DNS_NAME}" '{name: $name, answers: [inputs]}' > "${WORK}/{{ConsulProbeReport.Dns}}.json"
            else
              status=$?
              case ${status} in
                2) reason="the name does not resolve" ;;
                124) reason="no answer within {{CallSeconds}} s" ;;
                *) reason="the lookup failed" ;;
              esac
              jq -n --arg name "${DNS_NAME}" --arg error "getent ahostsv4 ${DNS_NAME}: ${reason} (exit status ${status})" \
                '{name: $name, answers: [], error: $error}' > "${WORK}/{{ConsulProbeReport.Dns}}.json"
            fi

            jq -cn --arg datacenter "${DATACENTER}" --arg node "${NODE}" \
              --slurpfile leader "${WORK}/{{ConsulProbeReport.Leader}}.json" --slurpfile autopilot "${WORK}/{{ConsulProbeReport.Autopilot}}.json" \
              --slurpfile wanMembers "${WORK}/{{ConsulProbeReport.WanMembers}}.json" --slurpfile aclReplication "${WORK}/{{ConsulProbeReport.AclReplication}}.json" \
              --slurpfile dns "${WORK}/{{ConsulProbeReport.Dns}}.json" --slurpfile errors "${WORK}/errors" \
              '{"{{ConsulProbeReport.Datacenter}}": $datacenter, "{{ConsulProbeReport.Node}}": (if $node == "" then null else $node end),
                "{{ConsulProbeReport.Leader}}": $leader[0], "{{ConsulProbeReport.Autopilot}}": $autopilot[0], "{{ConsulProbeReport.WanMembers}}": $wanMembers[0],
                "{{ConsulProbeReport.AclReplication}}": $aclReplication[0], "{{ConsulProbeReport.Dns}}": $dns[0], "{{ConsulProbeReport.Errors}}": $errors}' \
              || bare_report "the report could not be assembled"

            """;
    }
}
