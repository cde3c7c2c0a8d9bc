#!/usr/bin/env bash
# Stops the CI's single-node Kubernetes that scripts/k8s/up.sh started: deletes the pods (so the kubelet and the CNI
# take their containers and network down), stops each process by the PID up.sh recorded, removes what the pods left
# (containers, mounts, network namespaces, the bridge, iptables rules) and the cluster's state. Keeps the built
# binaries and the logs. Idempotent: with nothing running it only clears what is left.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
log() { printf '[k8s-down] %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null && exec sudo -E bash "${BASH_SOURCE[0]}" "$@"
  log "error: k8s:down needs root (it removes mounts, iptables rules and a bridge): run it as root or with sudo"
  exit 3
fi
mkdir -p "$machine_state"
exec 9>"$machine_state/k8s.lock"
flock -w 600 9 || { log "error: another k8s:up or k8s:down holds $machine_state/k8s.lock"; exit 3; }

# stop <name>: TERM, then KILL after 15 s; only the PID up.sh recorded, and only while it is still that process
stop() {
  local name=$1 pid
  if pid="$(k8s_pid "$name")"; then
    log "stopping $name ($pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do k8s_running "$name" || break; sleep 0.5; done
    if k8s_running "$name"; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; fi
  fi
  rm -f "$pids_dir/$name.pid"
}

# 1. with the control plane and the node up, let the kubelet stop the pods the normal way (it tears their network down)
if [ -f "$admin_kubeconfig" ] && k8s_running kube-apiserver && k8s_running kubelet && k8s_running containerd; then
  stop kube-scheduler
  stop kube-controller-manager # nothing recreates the pods from here on
  if k8s_kubectl delete pods --all --all-namespaces --grace-period=1 --wait=false >/dev/null 2>&1; then
    log "waiting for the pods to stop"
    for _ in $(seq 1 60); do
      [ -z "$(k8s_kubectl get pods --all-namespaces -o name 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
fi

# 2. the processes, in reverse start order; containerd's leftover containers go before containerd
for ((i = ${#k8s_processes[@]} - 1; i >= 0; i--)); do
  name="${k8s_processes[$i]}"
  if [ "$name" = containerd ] && k8s_running containerd; then
    for task in $(k8s_ctr tasks ls -q 2>/dev/null); do
      k8s_ctr tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true
    done
    sleep 0.5
    for task in $(k8s_ctr tasks ls -q 2>/dev/null); do k8s_ctr tasks delete -f "$task" >/dev/null 2>&1 || true; done
    for container in $(k8s_ctr containers ls -q 2>/dev/null); do
      k8s_ctr containers delete "$container" >/dev/null 2>&1 || true
    done
  fi
  stop "$name"
done

# 3. network: kube-proxy's rules, the pods' network namespaces and masquerade rules, the bridge, the FORWARD exceptions
if [ -x "$k8s_bin/kube-proxy" ]; then "$k8s_bin/kube-proxy" --cleanup >/dev/null 2>&1 || true; fi
if [ -d /run/netns ]; then
  for netns in /run/netns/cni-*; do
    [ -e "$netns" ] || continue
    ns="$(basename "$netns")"
    # only namespaces holding an address of our pod range
    if ip -n "$ns" -4 -o addr show 2>/dev/null | grep -qF " ${pod_cidr%.*}."; then ip netns delete "$ns" 2>/dev/null || true; fi
  done
fi
# the bridge plugin's masquerade rules carry the network's name in a comment; delete them by number, last first
while line="$(iptables -t nat -L POSTROUTING -n --line-numbers 2>/dev/null | grep -F 'name: "slipway"' | tail -n 1)" &&
  [ -n "$line" ]; do
  number="${line%% *}"
  target="$(awk '{print $2}' <<<"$line")"
  iptables -t nat -D POSTROUTING "$number"
  if [[ "$target" == CNI-* ]]; then
    iptables -t nat -F "$target" 2>/dev/null || true
    iptables -t nat -X "$target" 2>/dev/null || true
  fi
done
ip link show "$bridge" >/dev/null 2>&1 && ip link delete "$bridge"
# the kubelet's own chains (kube-proxy --cleanup leaves them): its localhost firewall and the canaries
for tables in iptables ip6tables; do
  command -v "$tables" >/dev/null || continue
  for table in filter nat mangle; do
    for hook in INPUT OUTPUT; do
      while "$tables" -t "$table" -C "$hook" -j KUBE-FIREWALL 2>/dev/null; do "$tables" -t "$table" -D "$hook" -j KUBE-FIREWALL; done
    done
    for chain in KUBE-FIREWALL KUBE-KUBELET-CANARY KUBE-PROXY-CANARY KUBE-MARK-MASQ KUBE-IPTABLES-HINT; do
      if "$tables" -t "$table" -F "$chain" 2>/dev/null; then "$tables" -t "$table" -X "$chain" 2>/dev/null || true; fi
    done
  done
done
for chain in DOCKER-USER FORWARD; do
  for direction in -s -d; do
    rule=("$direction" "$cluster_cidr" -m comment --comment slipway-k8s -j ACCEPT)
    while iptables -C "$chain" "${rule[@]}" 2>/dev/null; do iptables -D "$chain" "${rule[@]}"; done
  done
done

# 4. mounts under the state folder (secrets and tokens as tmpfs, container root filesystems, sandbox shm), deepest first
mounts_under_run_dir() { awk -v dir="$run_dir/" 'index($5, dir) == 1 {print $5}' /proc/self/mountinfo | sort -r; }
for mount_point in $(mounts_under_run_dir); do umount "$mount_point" 2>/dev/null || umount -l "$mount_point" 2>/dev/null || true; done
if [ -n "$(mounts_under_run_dir)" ]; then
  log "error: these mounts under $run_dir are still there, so its state was kept: $(mounts_under_run_dir | tr '\n' ' ')(fix: umount them, then run k8s:down again)"
  exit 3
fi
# empty pod cgroups the kubelet had no time to remove
for hierarchy in /sys/fs/cgroup/*/kubepods; do
  [ -d "$hierarchy" ] && find "$hierarchy" -depth -type d -exec rmdir {} + 2>/dev/null || true
done
# symlinks the kubelet made in /var/log/containers to our pods' logs
if [ -d /var/log/containers ]; then
  find /var/log/containers -maxdepth 1 -type l -lname "$run_dir/*" -delete 2>/dev/null || true
fi

# the kernel settings as they were before up.sh (forwarding stays on while Docker runs: it needs it too)
if [ -f "$sysctls_before" ]; then
  while IFS= read -r setting; do
    [[ "$setting" == net.ipv4.ip_forward=* ]] && pgrep -x dockerd >/dev/null && continue
    sysctl -qw "$setting" 2>/dev/null || true
  done <"$sysctls_before"
fi

# 5. the cluster's state (a later up starts a fresh cluster); logs and built binaries stay
if [ -d "$run_dir" ]; then
  find "$run_dir" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf --one-file-system {} +
fi
rm -f "$root/.slipway/k8s/kubeconfig"
log "down (binaries kept in $(dirname "$k8s_bin"), logs in $logs_dir)"
