# Shared by scripts/k8s/*.sh (sourced, not run): the pinned versions, where binaries and state live, the cluster's
# addresses. Changing a version here changes the cache key (the binaries' folder), so the next run rebuilds.

k8s_version="${K8S_VERSION:-v1.33.13}"
etcd_version="${ETCD_VERSION:-v3.5.21}"
coredns_version="${COREDNS_VERSION:-v1.12.4}"

machine_state="${SLIPWAY_MACHINE_STATE:-/var/lib/slipway-machine}"
# built binaries, keyed on versions: kept by k8s:down and across CI runs
k8s_bin="$machine_state/k8s/$k8s_version-etcd-$etcd_version/bin"
coredns_bin="$machine_state/k8s/coredns-$coredns_version/bin"
# the running cluster: certificates, etcd data, containerd root, logs, PIDs (removed by k8s:down)
run_dir="$machine_state/k8s-run"

node_name="slipway-node"
# the bridge's gateway address is also the node's address: the apiserver, the kubelet and CoreDNS listen on it, so pods
# reach them and nothing listens on the machine's outside interface
node_ip="10.244.0.1"
pod_cidr="10.244.0.0/24"
cluster_cidr="10.244.0.0/16"
service_cidr="10.96.0.0/12"
api_service_ip="10.96.0.1"
bridge="cni0"
cluster_domain="cluster.local"
context_name="slipway-ci"

# processes started by up.sh, in start order (down.sh stops them in reverse)
k8s_processes=(etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy coredns)

# kernel settings up.sh and the kubelet change (the kubelet insists on its values for the last four): down.sh puts
# back what was there before
tuned_sysctls=(net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables
  vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops)
sysctls_before="$run_dir/sysctl-before.conf"

pids_dir="$run_dir/pids"
logs_dir="$run_dir/logs"
pki_dir="$run_dir/pki"
conf_dir="$run_dir/conf"
containerd_sock="$run_dir/containerd/containerd.sock"
admin_kubeconfig="$conf_dir/admin.kubeconfig"
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

# The PID a process of ours was started with, when that process still runs: it must still carry a path under $run_dir
# in its arguments (every process up.sh starts does), so a recycled PID is never taken for ours.
k8s_pid() {
  local file="$pids_dir/$1.pid" pid
  [ -f "$file" ] || return 1
  pid="$(cat "$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qF "$run_dir" || return 1
  echo "$pid"
}
k8s_running() { k8s_pid "$1" >/dev/null; }

k8s_kubectl() { "$k8s_bin/kubectl" --kubeconfig "$admin_kubeconfig" --request-timeout=10s "$@"; }
k8s_ctr() { ctr --address "$containerd_sock" --namespace k8s.io "$@"; }
