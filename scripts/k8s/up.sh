#!/usr/bin/env bash
# Starts the CI's single-node Kubernetes as plain background processes (no systemd, nothing pulled): etcd, the
# control plane, a containerd of its own with the CRI plugin, the kubelet with a bridge CNI, kube-proxy (iptables) and
# CoreDNS on the node's address. Writes the admin kubeconfig to <repo>/.slipway/k8s/kubeconfig (context slipway-ci).
# Idempotent: a healthy cluster returns at once; a partly stopped one gets its missing processes started again.
# Stop it with scripts/k8s/down.sh. Details, versions and timings: docs/kubernetes-cluster.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
started=$SECONDS
log() { printf '[k8s-up] %s\n' "$*" >&2; }
# fail <problem and fix, one line> [component whose log to show...]
fail() {
  local message=$1
  shift
  for name in "$@"; do
    [ -s "$logs_dir/$name.log" ] || continue
    printf -- '--- last lines of %s ---\n' "$logs_dir/$name.log" >&2
    tail -n 25 "$logs_dir/$name.log" >&2
  done
  printf '[k8s-up] error: %s\n' "$message" >&2
  exit 3
}
# wait_for <seconds> <component> <command...>: polls the command; fails with the component's log if it dies or times out
wait_for() {
  local seconds=$1 name=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ -f "$pids_dir/$name.pid" ] && ! k8s_running "$name"; then
      fail "$name exited while starting (see $logs_dir/$name.log; fix the cause, then run npm run k8s:down && npm run k8s:up)" "$name"
    fi
    [ "$SECONDS" -lt "$deadline" ] ||
      fail "$name was not ready after $seconds s (see $logs_dir/$name.log; fix: npm run k8s:down && npm run k8s:up)" "$name"
    sleep 0.5
  done
}
# start <name> <argv...>: runs it detached, its output in logs/<name>.log, its PID in pids/<name>.pid
start() {
  local name=$1
  shift
  k8s_running "$name" && return 0
  log "starting $name"
  printf -- '--- %s started by k8s:up\n' "$(date -u +%FT%TZ)" >>"$logs_dir/$name.log"
  # 9>&-: the process must not inherit (and so hold) the lock
  setsid nohup "$@" >>"$logs_dir/$name.log" 2>&1 </dev/null 9>&- &
  echo "$!" >"$pids_dir/$name.pid"
  # until the forked shell has exec'd, the PID does not carry the program's arguments yet
  for _ in $(seq 1 40); do k8s_running "$name" && break; sleep 0.05; done
}

repo_kubeconfig="$root/.slipway/k8s/kubeconfig"
publish_kubeconfig() {
  mkdir -p "$(dirname "$repo_kubeconfig")"
  install -m 600 "$admin_kubeconfig" "$repo_kubeconfig"
  # readable by whoever owns the checkout (the tests), also when up ran through sudo
  chown "$(stat -c %u:%g "$root")" "$(dirname "$repo_kubeconfig")" "$repo_kubeconfig"
}

api_ready() {
  curl -fsS --max-time 3 --cacert "$pki_dir/ca.crt" --cert "$pki_dir/admin.crt" --key "$pki_dir/admin.key" \
    "https://$node_ip:6443/readyz" >/dev/null
}
node_ready() {
  [ "$(k8s_kubectl get node "$node_name" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}
# a real query through CoreDNS for the apiserver's Service, as a pod would send it
dns_answers() {
  node -e '
const { Resolver } = require("node:dns").promises;
const resolver = new Resolver({ timeout: 1000, tries: 1 });
resolver.setServers([process.argv[1]]);
resolver.resolve4(process.argv[2]).then(
  (a) => process.exit(a.includes(process.argv[3]) ? 0 : 1),
  () => process.exit(1),
);' "$node_ip" "kubernetes.default.svc.$cluster_domain" "$api_service_ip"
}
healthy() {
  for name in "${k8s_processes[@]}"; do k8s_running "$name" || return 1; done
  api_ready && node_ready && dns_answers
}

if [ "$(id -u)" != 0 ]; then
  # like machine-setup.sh: root's work through sudo when there is one
  command -v sudo >/dev/null && exec sudo -E bash "${BASH_SOURCE[0]}" "$@"
  fail "k8s:up needs root (it sets up iptables, mounts and cgroups): run it as root or with sudo"
fi

# one up or down at a time on this machine
mkdir -p "$machine_state"
exec 9>"$machine_state/k8s.lock"
flock -w 600 9 || fail "another k8s:up or k8s:down holds $machine_state/k8s.lock: wait for it, or remove a stale lock"

if [ -f "$admin_kubeconfig" ] && healthy; then
  publish_kubeconfig
  log "already up (kubeconfig: $repo_kubeconfig)"
  exit 0
fi

# --- what the machine must have
missing=()
command -v openssl >/dev/null || missing+=(openssl)
command -v iptables >/dev/null || missing+=(iptables)
command -v conntrack >/dev/null || missing+=(conntrack)
command -v containerd >/dev/null || missing+=(containerd)
command -v runc >/dev/null || missing+=(runc)
command -v catatonit >/dev/null || missing+=(catatonit)
[ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
[ "${#missing[@]}" = 0 ] || fail "missing Debian packages: ${missing[*]} (fix: apt-get install -y ${missing[*]}, or run scripts/machine-setup.sh)"
DOCKER=/usr/bin/docker
[ -x "$DOCKER" ] || DOCKER="$(command -v docker || true)"
[ -n "$DOCKER" ] && "$DOCKER" version >/dev/null 2>&1 ||
  fail "the Docker engine is not running; it builds the pause image (fix: bash scripts/machine-setup.sh)"
command -v node >/dev/null || fail "node is not on PATH (fix: install Node.js 20)"

if [ ! -f "$k8s_bin/../.complete" ] || [ ! -f "$coredns_bin/../.complete" ]; then
  log "building the Kubernetes binaries from the Go module proxy (cached afterwards; 15 to 20 min cold on 2 cores)"
fi
bash "$here/build.sh" >/dev/null || fail "building the Kubernetes binaries failed (see above; fix the cause and run again)"

# --- nothing of ours running but state left (a crash, a reboot): clear it so the cluster starts clean
any_running=false
for name in "${k8s_processes[@]}"; do k8s_running "$name" && any_running=true; done
if [ "$any_running" = false ] && [ -d "$run_dir/conf" ]; then
  log "clearing the state of a cluster that is no longer running"
  flock -u 9
  bash "$here/down.sh" >/dev/null 2>&1 || true
  flock -w 600 9
fi
mkdir -p "$pids_dir" "$logs_dir" "$pki_dir" "$conf_dir" "$run_dir/etcd" "$run_dir/cni/net.d" "$run_dir/cni/ipam" \
  "$run_dir/containerd/certs.d/127.0.0.1:5000" "$run_dir/kubelet" "$run_dir/pod-logs"
chmod 700 "$pki_dir" "$run_dir/etcd"

# --- kernel and network: the node's address on the pods' bridge, forwarding, and docker's FORWARD DROP policy
[ -d /proc/sys/net/bridge ] || modprobe br_netfilter 2>/dev/null ||
  fail "the br_netfilter kernel module is missing (fix: modprobe br_netfilter)"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || fail "the overlay filesystem is missing (fix: modprobe overlay)"
if [ ! -f "$sysctls_before" ]; then
  for key in "${tuned_sysctls[@]}"; do printf '%s=%s\n' "$key" "$(sysctl -n "$key")"; done >"$sysctls_before"
fi
sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1
ip link show "$bridge" >/dev/null 2>&1 || ip link add "$bridge" type bridge
ip addr show dev "$bridge" | grep -qF " $node_ip/24 " || ip addr add "$node_ip/24" dev "$bridge"
ip link set "$bridge" up
chain=FORWARD
iptables -n -L DOCKER-USER >/dev/null 2>&1 && chain=DOCKER-USER
for direction in -s -d; do
  rule=("$direction" "$cluster_cidr" -m comment --comment slipway-k8s -j ACCEPT)
  iptables -C "$chain" "${rule[@]}" 2>/dev/null || iptables -I "$chain" 1 "${rule[@]}"
done

# --- certificates: one CA, a certificate per component (EC P-256: instant to generate), the service-account key pair
# make_ca <name>: a self-signed CA, CN slipway-ci-<name>
make_ca() {
  local name=$1
  [ -s "$pki_dir/$name.crt" ] && return 0
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 -sha256 \
    -subj "/CN=slipway-ci-$name" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -keyout "$pki_dir/$name.key" -out "$pki_dir/$name.crt" 2>/dev/null
}
[ -s "$pki_dir/ca.crt" ] || log "creating certificates"
make_ca ca
# the aggregation layer's own CA: the apiserver proxies to extension API servers with a client cert from it
make_ca front-proxy-ca
# cert <name> <subject> <extendedKeyUsage> [subjectAltName] [signing CA]
cert() {
  local name=$1 subject=$2 usage=$3 san=${4:-} ca=${5:-ca}
  [ -s "$pki_dir/$name.crt" ] && return 0
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "$subject" \
    -keyout "$pki_dir/$name.key" -out "$pki_dir/$name.csr" 2>/dev/null
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature"
    echo "extendedKeyUsage=$usage"
    [ -z "$san" ] || echo "subjectAltName=$san"
  } >"$pki_dir/$name.ext"
  openssl x509 -req -in "$pki_dir/$name.csr" -CA "$pki_dir/$ca.crt" -CAkey "$pki_dir/$ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$pki_dir/$name.ext" -out "$pki_dir/$name.crt" 2>/dev/null
  rm -f "$pki_dir/$name.csr" "$pki_dir/$name.ext"
}
api_sans="DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$cluster_domain"
api_sans+=",DNS:localhost,DNS:$(hostname),IP:127.0.0.1,IP:$api_service_ip,IP:$node_ip"
cert kube-apiserver "/CN=kube-apiserver" serverAuth "$api_sans"
cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
cert admin "/O=system:masters/CN=slipway-admin" clientAuth
cert kube-controller-manager "/CN=system:kube-controller-manager" clientAuth
cert kube-scheduler "/CN=system:kube-scheduler" clientAuth
cert kube-proxy "/CN=system:kube-proxy" clientAuth
cert kubelet "/O=system:nodes/CN=system:node:$node_name" clientAuth
cert kubelet-serving "/CN=$node_name" serverAuth "DNS:$node_name,IP:$node_ip"
cert coredns "/CN=system:slipway:coredns" clientAuth
cert front-proxy-client "/CN=front-proxy-client" clientAuth "" front-proxy-ca
if [ ! -s "$pki_dir/sa.key" ]; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pki_dir/sa.key" 2>/dev/null
  openssl pkey -in "$pki_dir/sa.key" -pubout -out "$pki_dir/sa.pub"
fi
chmod 600 "$pki_dir"/*.key

# kubeconfig <name>: credentials embedded, so the file stands alone (the repo copy too)
kubeconfig() {
  local name=$1
  cat >"$conf_dir/$name.kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
  - name: $context_name
    cluster:
      server: https://$node_ip:6443
      certificate-authority-data: $(base64 -w0 "$pki_dir/ca.crt")
users:
  - name: $name
    user:
      client-certificate-data: $(base64 -w0 "$pki_dir/$name.crt")
      client-key-data: $(base64 -w0 "$pki_dir/$name.key")
contexts:
  - name: $context_name
    context:
      cluster: $context_name
      user: $name
current-context: $context_name
YAML
  chmod 600 "$conf_dir/$name.kubeconfig"
}
for name in admin kube-controller-manager kube-scheduler kube-proxy kubelet coredns; do kubeconfig "$name"; done

# --- etcd and the control plane
start etcd "$k8s_bin/etcd" --name slipway --data-dir "$run_dir/etcd" --log-level warn \
  --listen-client-urls http://127.0.0.1:12379 --advertise-client-urls http://127.0.0.1:12379 \
  --listen-peer-urls http://127.0.0.1:12380 --initial-advertise-peer-urls http://127.0.0.1:12380 \
  --initial-cluster slipway=http://127.0.0.1:12380 --unsafe-no-fsync
wait_for 30 etcd curl -fsS --max-time 2 http://127.0.0.1:12379/health

start kube-apiserver "$k8s_bin/kube-apiserver" \
  --etcd-servers=http://127.0.0.1:12379 \
  --advertise-address="$node_ip" --bind-address="$node_ip" --secure-port=6443 \
  --service-cluster-ip-range="$service_cidr" \
  --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction,PodSecurity --allow-privileged=true \
  --client-ca-file="$pki_dir/ca.crt" \
  --tls-cert-file="$pki_dir/kube-apiserver.crt" --tls-private-key-file="$pki_dir/kube-apiserver.key" \
  --kubelet-client-certificate="$pki_dir/apiserver-kubelet-client.crt" \
  --kubelet-client-key="$pki_dir/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority="$pki_dir/ca.crt" --kubelet-preferred-address-types=InternalIP \
  --requestheader-client-ca-file="$pki_dir/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --proxy-client-cert-file="$pki_dir/front-proxy-client.crt" --proxy-client-key-file="$pki_dir/front-proxy-client.key" \
  --service-account-issuer="https://kubernetes.default.svc.$cluster_domain" \
  --service-account-key-file="$pki_dir/sa.pub" --service-account-signing-key-file="$pki_dir/sa.key" \
  --profiling=false --event-ttl=1h --v=0
wait_for 120 kube-apiserver api_ready

# CoreDNS reads Services, EndpointSlices, Pods and Namespaces with its own identity
k8s_kubectl apply -f - >/dev/null <<'YAML' || fail "could not create CoreDNS's RBAC rules (see kube-apiserver.log)" kube-apiserver
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: slipway:coredns
rules:
  - apiGroups: ['']
    resources: [endpoints, services, pods, namespaces]
    verbs: [list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: slipway:coredns
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: slipway:coredns
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: User
    name: system:slipway:coredns
YAML

start kube-controller-manager "$k8s_bin/kube-controller-manager" \
  --kubeconfig="$conf_dir/kube-controller-manager.kubeconfig" \
  --authentication-kubeconfig="$conf_dir/kube-controller-manager.kubeconfig" \
  --authorization-kubeconfig="$conf_dir/kube-controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --leader-elect=false --use-service-account-credentials=true \
  --service-account-private-key-file="$pki_dir/sa.key" --root-ca-file="$pki_dir/ca.crt" \
  --cluster-signing-cert-file="$pki_dir/ca.crt" --cluster-signing-key-file="$pki_dir/ca.key" \
  --allocate-node-cidrs=true --cluster-cidr="$cluster_cidr" --node-cidr-mask-size=24 \
  --service-cluster-ip-range="$service_cidr" --profiling=false
start kube-scheduler "$k8s_bin/kube-scheduler" \
  --kubeconfig="$conf_dir/kube-scheduler.kubeconfig" \
  --authentication-kubeconfig="$conf_dir/kube-scheduler.kubeconfig" \
  --authorization-kubeconfig="$conf_dir/kube-scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --leader-elect=false --profiling=false

# --- the node: CNI config, a containerd of its own (docker's runs with the CRI plugin off), the pause image
cat >"$run_dir/cni/net.d/10-slipway.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "slipway",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$bridge",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$run_dir/cni/ipam",
        "ranges": [[{ "subnet": "$pod_cidr", "gateway": "$node_ip" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON
catatonit_version="$(catatonit -V 2>&1 | sed -n 's/^tini version \([0-9.]*\).*/\1/p')"
pause_image="slipway.local/pause:catatonit-${catatonit_version:-unknown}"
cat >"$run_dir/containerd/certs.d/127.0.0.1:5000/hosts.toml" <<'TOML'
# the machine's local registry speaks plain HTTP
server = "http://127.0.0.1:5000"

[host."http://127.0.0.1:5000"]
  capabilities = ["pull", "resolve"]
  skip_verify = true
TOML
cat >"$conf_dir/containerd.toml" <<TOML
version = 2
root = "$run_dir/containerd/root"
state = "$run_dir/containerd/state"

[grpc]
  address = "$containerd_sock"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause_image"
  enable_unprivileged_ports = true
  enable_unprivileged_icmp = true
  # root on these machines lacks CAP_SYS_RESOURCE, so no process may lower its oom_score_adj: cap the pods' at ours
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "$(command -v runc)"
        Root = "$run_dir/containerd/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$run_dir/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$run_dir/containerd/certs.d"
TOML
start containerd "$(command -v containerd)" --config "$conf_dir/containerd.toml"
wait_for 30 containerd k8s_ctr version

if ! k8s_ctr images ls -q | grep -qxF "$pause_image"; then
  log "importing the pause image $pause_image (catatonit -P, FROM scratch)"
  ctx="$(mktemp -d)"
  cp "$(command -v catatonit)" "$ctx/catatonit"
  printf 'FROM scratch\nCOPY catatonit /pause\nUSER 65535:65535\nENTRYPOINT ["/pause", "-P"]\n' >"$ctx/Dockerfile"
  DOCKER_BUILDKIT=1 "$DOCKER" build -q -t "$pause_image" "$ctx" >/dev/null ||
    fail "could not build the pause image with the Docker engine (see above)"
  rm -rf "$ctx"
  "$DOCKER" save "$pause_image" | k8s_ctr images import - >/dev/null ||
    fail "could not import the pause image into the cluster's containerd (see $logs_dir/containerd.log)" containerd
fi

# --- kubelet
cat >"$conf_dir/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $node_ip
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $pki_dir/kubelet-serving.crt
tlsPrivateKeyFile: $pki_dir/kubelet-serving.key
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $pki_dir/ca.crt
authorization:
  mode: Webhook
containerRuntimeEndpoint: unix://$containerd_sock
cgroupDriver: cgroupfs
# these machines use cgroup v1, which the kubelet still supports through 1.34 when asked
failCgroupV1: false
failSwapOn: false
clusterDNS: [$node_ip]
clusterDomain: $cluster_domain
resolvConf: /etc/resolv.conf
podLogsDir: $run_dir/pod-logs
serializeImagePulls: false
rotateCertificates: false
# a CI machine's disk and memory run full more than a server's: evict only when really out
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
YAML
start kubelet "$k8s_bin/kubelet" --config="$conf_dir/kubelet.yaml" --kubeconfig="$conf_dir/kubelet.kubeconfig" \
  --root-dir="$run_dir/kubelet" --hostname-override="$node_name" --node-ip="$node_ip" \
  --pod-infra-container-image="$pause_image"

# --- kube-proxy (iptables mode; NodePorts only on the node's bridge address, not the machine's interfaces)
cat >"$conf_dir/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: $conf_dir/kube-proxy.kubeconfig
hostnameOverride: $node_name
bindAddress: $node_ip
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
mode: iptables
clusterCIDR: $cluster_cidr
nodePortAddresses: [$node_ip/32]
# leave the machine's conntrack settings alone
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
YAML
start kube-proxy "$k8s_bin/kube-proxy" --config="$conf_dir/kube-proxy.yaml"

# --- CoreDNS on the node's address: cluster.local from the API, every other name answered NXDOMAIN (no network)
cat >"$conf_dir/Corefile" <<COREFILE
$cluster_domain:53 in-addr.arpa:53 ip6.arpa:53 {
    bind $node_ip
    errors
    ready $node_ip:8181
    kubernetes $cluster_domain in-addr.arpa ip6.arpa {
        kubeconfig $conf_dir/coredns.kubeconfig $context_name
        pods insecure
        ttl 5
    }
    cache 5
}
.:53 {
    bind $node_ip
    errors
    template ANY ANY {
        rcode NXDOMAIN
    }
}
COREFILE
start coredns "$coredns_bin/coredns" -conf "$conf_dir/Corefile"

log "waiting for the node to be Ready"
wait_for 120 kubelet node_ready
wait_for 30 kube-proxy curl -fsS --max-time 2 http://127.0.0.1:10256/healthz
wait_for 30 coredns dns_answers
wait_for 60 kube-controller-manager k8s_kubectl -n default get serviceaccount default
k8s_running kube-scheduler || fail "kube-scheduler exited (see $logs_dir/kube-scheduler.log)" kube-scheduler
publish_kubeconfig
log "up in $((SECONDS - started)) s: node $node_name Ready, DNS on $node_ip, kubeconfig $repo_kubeconfig (context $context_name)"
