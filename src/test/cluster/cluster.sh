#!/usr/bin/env bash
# A real single-node Kubernetes cluster (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubelet, kube-proxy, CoreDNS; containerd, runc and CNI's bridge) for the tests and
# for trying the operator, on this machine only. provision-cluster.sh provides the binaries.
#
#   cluster.sh start DIR PAUSE_IMAGE.tar   starts it, its state in DIR (a new directory); prints
#                                          the admin kubeconfig's path once the node is Ready and
#                                          pods can be created
#   cluster.sh import DIR IMAGE.tar        makes an image archive (OCI or docker-save) available
#                                          to pods: no registry is reachable
#   cluster.sh stop DIR                    stops everything and removes what start made outside DIR;
#                                          exits 3 if the host then differs from before the start
#
# Needs root. What it changes on the host while it runs, all undone by stop: a bridge with the node
# address, forwarding on that bridge only, the nftables tables "inet pitr-cluster-guard" (drops any
# forwarded traffic into or out of the bridge: pods reach only this machine) and kube-proxy's, the
# kubelet's cgroups, and empty mount-point directories. containerd and the kubelet run in a mount
# namespace of their own, so that their mounts never reach the host's, and so that the kubelet,
# which would set vm.overcommit_memory, kernel.panic and kernel.panic_on_oops, finds them as it
# wants them there and leaves the host's alone.
set -euo pipefail

node_ip="10.244.0.1"
pod_cidr="10.244.0.0/24"
service_cidr="10.96.0.0/24"
api_service_ip="10.96.0.1"
bridge="pitr0"
node="pitr-node"
guard="pitr-cluster-guard"
etcd_client_port=23791
etcd_peer_port=23801

here=$(cd "$(dirname "$0")" && pwd)
tools="${PITR_TOOLS_DIR:-$HOME/.cache/pitr-operator}/cluster"
kube="${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/k8s/$(cat "$tools/kube-version" 2>/dev/null || true)-linux-amd64"
root="$tools/root"
export PATH="$tools/bin:$kube:$root/usr/bin:$root/usr/sbin:$PATH"
export LD_LIBRARY_PATH="$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# Directories the kubelet, containerd and libcni use whatever they are told: mount points (tmpfs or
# bind mounts into DIR) in the node's mount namespace, created empty on the host if missing.
fixed_dirs=(/run/containerd /run/netns /run/mount /var/lib/kubelet /var/lib/cni /var/log/containers)
sysctls=(net.ipv4.ip_forward net.ipv4.conf.all.forwarding net.ipv4.conf.default.forwarding
  net.ipv6.conf.all.forwarding net.ipv4.conf.all.route_localnet net.ipv4.conf.all.rp_filter
  net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables
  net.netfilter.nf_conntrack_max net.netfilter.nf_conntrack_tcp_timeout_established
  net.netfilter.nf_conntrack_tcp_timeout_close_wait vm.overcommit_memory vm.panic_on_oom kernel.panic
  kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes fs.inotify.max_user_instances)

log() { printf 'cluster: %s\n' "$*" >&2; }
fail() {
  log "ERROR: $*"
  exit 1
}
now() { date +%s.%N; }
start_complete=false
mark() { echo "$1 $(now)" >>"$S/timeline"; }

# Everything start changes on the host, and anything of the cluster still running. Counters and
# handles are left out, so that two readings of an unchanged host are equal.
host_state() ( # a subshell: an empty section (grep finding nothing) is no failure
  set +e +o pipefail
  echo "## mounts"
  awk '{print $5, $9}' /proc/self/mountinfo | sort
  echo "## links"
  ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort
  echo "## addresses"
  ip -o addr show | awk '{print $2, $4}' | sort
  echo "## routes"
  ip route show table all | sort
  echo "## nftables"
  nft -s list ruleset | grep -v '^[[:space:]]*$' | sed 's/ handle [0-9]*//'
  if command -v iptables-save >/dev/null 2>&1; then
    echo "## iptables"
    { iptables-save 2>/dev/null; ip6tables-save 2>/dev/null; } | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'
  fi
  echo "## sysctls"
  for key in "${sysctls[@]}"; do echo "$key = $(sysctl -n "$key" 2>/dev/null || echo absent)"; done
  echo "## cgroups"
  find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d \( -name 'kubepods*' -o -name k8s.io \) | sort
  echo "## paths"
  for path in "${fixed_dirs[@]}" /var/log/pods /etc/cni /opt/cni /etc/kubernetes /var/run/netns; do [ ! -e "$path" ] || echo "$path"; done
  echo "## processes of the cluster"
  local pid exe
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
    case "$exe" in "$tools"/* | "$kube"/*) echo "$pid $exe" ;; esac
    if [ -n "${node_ns:-}" ] && [ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" = "$node_ns" ]; then
      echo "$pid in the node's mount namespace: $(tr '\0' ' ' <"/proc/$pid/cmdline" | cut -c1-120)"
    fi
  done
)

pki() {
  local dir="$S/pki"
  mkdir -p "$dir"
  (
    cd "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 7 -subj "/CN=pitr-cluster-ca" 2>/dev/null
    cert() { # name, CN, O, extensions
      openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2${3:+/O=$3}" 2>/dev/null
      printf '%s\n' "${4:-extendedKeyUsage=clientAuth}" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 7 -extfile "$1.ext" 2>/dev/null
      rm -f "$1.csr" "$1.ext"
    }
    cert apiserver kube-apiserver "" "subjectAltName=IP:$node_ip,IP:$api_service_ip,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
extendedKeyUsage=serverAuth"
    cert kubelet-serving "$node" "" "subjectAltName=IP:$node_ip,DNS:$node
extendedKeyUsage=serverAuth"
    cert admin pitr-cluster-admin system:masters
    cert apiserver-kubelet-client kube-apiserver-kubelet-client kubelet-api-admin
    cert kube-controller-manager system:kube-controller-manager ""
    cert kube-scheduler system:kube-scheduler ""
    cert kube-proxy system:kube-proxy ""
    cert coredns pitr-cluster-dns ""
    cert kubelet "system:node:$node" system:nodes
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
  local user
  for user in admin kube-controller-manager kube-scheduler kube-proxy kubelet coredns; do
    cat >"$S/$user.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: pitr-cluster
  cluster: {server: "https://$node_ip:6443", certificate-authority: "$dir/ca.crt"}
users:
- name: $user
  user: {client-certificate: "$dir/$user.crt", client-key: "$dir/$user.key"}
contexts:
- name: pitr-cluster
  context: {cluster: pitr-cluster, user: $user}
current-context: pitr-cluster
EOF
  done
}

configs() {
  mkdir -p "$S/cni/net.d" "$S/cni/ipam" "$S/cni/cache" "$S/fake-sysctl"
  cat >"$S/containerd.toml" <<EOF
version = 2
root = "$S/containerd/root"
state = "$S/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$S/containerd/containerd.sock"
[ttrpc]
  address = "$S/containerd/containerd.sock.ttrpc"
[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$S/containerd/opt"
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "pitr.local/pause:1"
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    enable_selinux = false
    disable_apparmor = true
    # Scores clamped at containerd's own: lowering them needs CAP_SYS_RESOURCE, which not every
    # machine's bounding set has (runc then fails every sandbox).
    restrict_oom_score_adj = true
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          BinaryName = "$root/usr/sbin/runc"
          Root = "$S/containerd/runc"
          SystemdCgroup = false
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "$root/usr/lib/cni"
      conf_dir = "$S/cni/net.d"
      max_conf_num = 1
EOF
  # isGateway false: the bridge plugin would switch on net.ipv4.ip_forward for the whole host. The
  # bridge and its address are made here instead; pods route through it to this machine only.
  cat >"$S/cni/net.d/10-pitr.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "pitr-cluster",
  "plugins": [
    {
      "type": "bridge", "bridge": "$bridge", "isGateway": false, "ipMasq": false, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$S/cni/ipam",
        "ranges": [[{"subnet": "$pod_cidr", "gateway": "$node_ip"}]],
        "routes": [{"dst": "0.0.0.0/0", "gw": "$node_ip"}]
      }
    },
    {"type": "loopback"}
  ]
}
EOF
  cat >"$S/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $node_ip
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10348
tlsCertFile: $S/pki/kubelet-serving.crt
tlsPrivateKeyFile: $S/pki/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $S/pki/ca.crt}
authorization:
  mode: Webhook
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$S/containerd/containerd.sock
imageServiceEndpoint: unix://$S/containerd/containerd.sock
podLogsDir: $S/pod-logs
clusterDomain: cluster.local
clusterDNS: [$node_ip]
resolvConf: $S/resolv.conf
maxPods: 30
rotateCertificates: false
serverTLSBootstrap: false
protectKernelDefaults: false
# Else the kubelet adds its KUBE-* chains to the host's iptables.
makeIPTablesUtilChains: false
# No image garbage collection or eviction on a busy test machine's disk.
imageGCHighThresholdPercent: 100
evictionHard: {memory.available: "50Mi", nodefs.available: "1%", imagefs.available: "1%"}
EOF
  : >"$S/resolv.conf"
  cat >"$S/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: nftables
clientConnection:
  kubeconfig: $S/kube-proxy.kubeconfig
hostnameOverride: $node
healthzBindAddress: $node_ip:10256
metricsBindAddress: $node_ip:10249
clusterCIDR: $pod_cidr
nodePortAddresses: ["$node_ip/32"]
# Zeros leave the host's conntrack settings alone.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
  # Answers for cluster.local only, and forwards nothing: no query ever leaves the machine.
  cat >"$S/Corefile" <<EOF
.:53 {
  bind $node_ip
  errors
  cache 5
  kubernetes cluster.local in-addr.arpa ip6.arpa {
    kubeconfig $S/coredns.kubeconfig pitr-cluster
    pods insecure
  }
}
EOF
  # The values the kubelet wants (its setupKernelTunables).
  printf '1\n' >"$S/fake-sysctl/vm.overcommit_memory"
  printf '0\n' >"$S/fake-sysctl/vm.panic_on_oom"
  printf '10\n' >"$S/fake-sysctl/kernel.panic"
  printf '1\n' >"$S/fake-sysctl/kernel.panic_on_oops"
  printf '1000000\n' >"$S/fake-sysctl/kernel.keys.root_maxkeys"
  printf '25000000\n' >"$S/fake-sysctl/kernel.keys.root_maxbytes"
}

background() { # name, command...: started with its output in logs/NAME.log, its PID in pids/NAME
  local name="$1"
  shift
  # A session of its own: a Ctrl-C meant for whoever started the cluster must not kill it
  # piecemeal; stop takes it down in order.
  setsid "$@" </dev/null >"$S/logs/$name.log" 2>&1 &
  echo $! >"$S/pids/$name"
}

await() { # what, seconds, command...
  local what="$1" seconds="$2" deadline=$(($(date +%s) + $2))
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "$what did not happen within $seconds s (logs in $S/logs)"
    sleep 0.2
  done
}

node_ready() {
  [ "$(kubectl --kubeconfig "$S/admin.kubeconfig" get node "$node" \
    -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')" = True ]
}

start() {
  [ "$(id -u)" = 0 ] || fail "the cluster needs root (network, mounts, cgroups)"
  [ -f "$tools/.stamp" ] || fail "the cluster is not provisioned: run $here/provision-cluster.sh"
  [ -f "$pause_image" ] || fail "no pause image at $pause_image"
  ! ip link show "$bridge" >/dev/null 2>&1 ||
    fail "a cluster runs already (bridge $bridge exists): stop it with '$0 stop <its directory>'"
  mkdir -p "$S/logs" "$S/pids" "$S/containerd" "$S/kubelet" "$S/pod-logs" "$S/var-lib-cni" "$S/var-log-containers"
  chmod 711 "$S"
  host_state >"$S/host-before"
  echo "start $(now)" >"$S/timeline"
  trap '[ "$start_complete" = true ] || { log "start failed: stopping what started"; stop_cluster; }' EXIT
  pki
  configs

  ip link add "$bridge" type bridge
  ip addr add "$node_ip/24" dev "$bridge"
  ip link set "$bridge" up
  # A ClusterIP's DNAT-ed packet is routed from the bridge back into it: forwarding on the bridge
  # only (ip_forward stays as it is), and nothing forwarded off or onto it.
  nft -f - <<EOF
table inet $guard {
  chain forward {
    type filter hook forward priority -10; policy accept;
    iifname "$bridge" oifname != "$bridge" counter drop comment "pods reach only this machine"
    oifname "$bridge" iifname != "$bridge" counter drop comment "nothing is routed into the cluster"
  }
}
EOF
  sysctl -qw "net.ipv4.conf.$bridge.forwarding=1"

  : >"$S/made-dirs"
  local dir
  for dir in "${fixed_dirs[@]}"; do
    [ -d "$dir" ] || { mkdir -p "$dir" && echo "$dir" >>"$S/made-dirs"; }
  done
  background node-ns unshare --mount --propagation private -- "$here/node-ns-init.sh" "$S"
  local holder
  holder=$(cat "$S/pids/node-ns")
  await "the node's mount namespace" 10 test -e "$S/node-ns-ready"
  node_ns=$(readlink "/proc/$holder/ns/mnt")
  echo "$node_ns" >"$S/node-ns"
  local in_node=(nsenter -t "$holder" -m --)

  background containerd "${in_node[@]}" containerd --config "$S/containerd.toml"
  await "containerd" 30 ctr --address "$S/containerd/containerd.sock" version
  import_image "$pause_image"
  mark containerd-ready

  background etcd etcd --name pitr-cluster --data-dir "$S/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_client_port" --advertise-client-urls "http://127.0.0.1:$etcd_client_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "pitr-cluster=http://127.0.0.1:$etcd_peer_port" --listen-metrics-urls ""
  background kube-apiserver kube-apiserver --etcd-servers="http://127.0.0.1:$etcd_client_port" \
    --bind-address="$node_ip" --advertise-address="$node_ip" --secure-port=6443 \
    --tls-cert-file="$S/pki/apiserver.crt" --tls-private-key-file="$S/pki/apiserver.key" --client-ca-file="$S/pki/ca.crt" \
    --kubelet-client-certificate="$S/pki/apiserver-kubelet-client.crt" --kubelet-client-key="$S/pki/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$S/pki/ca.crt" --kubelet-preferred-address-types=InternalIP \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$S/pki/sa.pub" --service-account-signing-key-file="$S/pki/sa.key" \
    --service-cluster-ip-range="$service_cidr" --authorization-mode=Node,RBAC --allow-privileged=true
  await "kube-apiserver /readyz" 120 kubectl --kubeconfig "$S/admin.kubeconfig" get --raw /readyz
  # The API server's client certificate for kubelets is in group kubelet-api-admin: allow it what
  # kubeadm allows it (logs, exec, port-forward), no more.
  kubectl --kubeconfig "$S/admin.kubeconfig" create clusterrolebinding pitr-cluster-apiserver-kubelet \
    --clusterrole=system:kubelet-api-admin --group=kubelet-api-admin >/dev/null
  # CoreDNS reads Services, their endpoints, pods and namespaces.
  kubectl --kubeconfig "$S/admin.kubeconfig" create clusterrole pitr-cluster-dns --verb=list,watch \
    --resource=services,endpoints,pods,namespaces,endpointslices.discovery.k8s.io >/dev/null
  kubectl --kubeconfig "$S/admin.kubeconfig" create clusterrolebinding pitr-cluster-dns \
    --clusterrole=pitr-cluster-dns --user=pitr-cluster-dns >/dev/null
  mark apiserver-ready

  background kube-controller-manager kube-controller-manager --kubeconfig="$S/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig="$S/kube-controller-manager.kubeconfig" --authorization-kubeconfig="$S/kube-controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=10357 --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file="$S/pki/sa.key" --root-ca-file="$S/pki/ca.crt" \
    --allocate-node-cidrs=true --cluster-cidr="$pod_cidr" --node-cidr-mask-size=24 --service-cluster-ip-range="$service_cidr"
  background kube-scheduler kube-scheduler --kubeconfig="$S/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig="$S/kube-scheduler.kubeconfig" --authorization-kubeconfig="$S/kube-scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=10359 --leader-elect=false
  background kubelet "${in_node[@]}" kubelet --config="$S/kubelet.yaml" --kubeconfig="$S/kubelet.kubeconfig" \
    --root-dir="$S/kubelet" --cert-dir="$S/kubelet/pki" --hostname-override="$node" --node-ip="$node_ip" -v=1
  background kube-proxy kube-proxy --config="$S/kube-proxy.yaml" -v=1
  background coredns coredns -conf "$S/Corefile"
  await "node $node Ready" 120 node_ready
  mark node-ready
  # kube-controller-manager makes each namespace's default ServiceAccount a few seconds after the
  # node is Ready; pods are refused until then.
  await "the default ServiceAccount" 120 kubectl --kubeconfig "$S/admin.kubeconfig" -n default get serviceaccount default
  mark pods-admitted
  start_complete=true
  awk 'NR==1{s=$2} {printf "cluster: %-15s +%.1f s\n", $1, $2-s}' "$S/timeline" >&2
  echo "$S/admin.kubeconfig"
}

import_image() {
  local output
  output=$(ctr --address "$S/containerd/containerd.sock" -n k8s.io images import "$1" 2>&1) ||
    fail "could not import $1: $output"
  log "imported $(printf '%s' "$output" | grep -o 'unpacking [^ ]*' | cut -d' ' -f2 | tr '\n' ' ')"
}

alive() { [ -f "$S/pids/$1" ] && kill -0 "$(cat "$S/pids/$1")" 2>/dev/null; }

end() { # name: SIGTERM, then SIGKILL after 10 s
  alive "$1" || { rm -f "$S/pids/$1"; return 0; }
  local pid i
  pid=$(cat "$S/pids/$1")
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$S/pids/$1"
}

stop_cluster() {
  node_ns=$(cat "$S/node-ns" 2>/dev/null || true)
  local admin=(kubectl --kubeconfig "$S/admin.kubeconfig")
  # The kubelet stops the pods, and CNI takes down their network, while both still run.
  if alive kube-apiserver && alive kubelet; then
    "${admin[@]}" delete namespaces --all --wait=false >/dev/null 2>&1 || true
    "${admin[@]}" delete pods --all --all-namespaces --grace-period=1 --wait=true --timeout=60s >/dev/null 2>&1 || true
  fi
  end kube-controller-manager
  end kube-scheduler
  end coredns
  end kubelet
  if alive containerd; then
    local ctr=(ctr --address "$S/containerd/containerd.sock" -n k8s.io) task container
    for task in $("${ctr[@]}" tasks ls -q 2>/dev/null); do "${ctr[@]}" tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true; done
    for task in $("${ctr[@]}" tasks ls -q 2>/dev/null); do "${ctr[@]}" tasks delete -f "$task" >/dev/null 2>&1 || true; done
    for container in $("${ctr[@]}" containers ls -q 2>/dev/null); do "${ctr[@]}" containers delete "$container" >/dev/null 2>&1 || true; done
  fi
  end containerd
  # The shims outlive containerd by design; they are the only processes with this socket in their
  # arguments.
  local pid
  for pid in $(pgrep -f -- "-address $S/containerd/containerd.sock" || true); do kill "$pid" 2>/dev/null || true; done
  end kube-proxy
  local family
  for family in ip ip6; do
    if nft list table "$family" kube-proxy >/dev/null 2>&1; then nft delete table "$family" kube-proxy || true; fi
  done
  end kube-apiserver
  end etcd
  # Whatever still runs in the node's mount namespace (containers whose shim died with a killed
  # containerd) would keep it, and its mounts, alive.
  if [ -n "$node_ns" ]; then
    for pid in $(ls /proc | grep -E '^[0-9]+$'); do
      if [ "$pid" != "$(cat "$S/pids/node-ns" 2>/dev/null)" ] && [ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" = "$node_ns" ]; then
        kill -9 "$pid" 2>/dev/null || true
      fi
    done
  fi
  # The namespace's last process: its mounts, pinned network namespaces and veths go with it.
  end node-ns
  if ip link show "$bridge" >/dev/null 2>&1; then ip link delete "$bridge" || true; fi
  if nft list table inet "$guard" >/dev/null 2>&1; then nft delete table inet "$guard" || true; fi
  local dir hierarchy top
  if [ -f "$S/made-dirs" ]; then
    while read -r dir; do rmdir "$dir" 2>/dev/null || true; done <"$S/made-dirs"
  fi
  for hierarchy in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    for top in kubepods kubepods.slice k8s.io; do
      if [ -d "$hierarchy$top" ]; then find "$hierarchy$top" -depth -type d -exec rmdir {} \; 2>/dev/null || true; fi
    done
  done
}

stop() {
  [ -f "$S/host-before" ] || fail "$S holds no cluster"
  # A second Ctrl-C must not leave the cluster half stopped and the host unchecked.
  trap '' INT
  stop_cluster
  # Mount-point directories and shims may take a moment to go after their last process.
  local i
  for i in $(seq 1 25); do
    host_state >"$S/host-after"
    cmp -s "$S/host-before" "$S/host-after" && break
    sleep 0.2
  done
  if ! diff "$S/host-before" "$S/host-after" >"$S/host-diff"; then
    log "ERROR: the host differs from before the cluster started (< before, > after):"
    cat "$S/host-diff" >&2
    exit 3
  fi
  log "stopped; the host is as it was before the start"
}

[ $# -ge 2 ] || fail "usage: $0 start DIR PAUSE_IMAGE.tar | import DIR IMAGE.tar | stop DIR"
command="$1"
S=$(realpath -m "$2")
case "$command" in
  start)
    [ $# -eq 3 ] || fail "usage: $0 start DIR PAUSE_IMAGE.tar"
    pause_image=$(realpath -m "$3")
    [ ! -e "$S/host-before" ] || fail "$S holds a cluster already: give start a new directory"
    start
    ;;
  import)
    [ $# -eq 3 ] || fail "usage: $0 import DIR IMAGE.tar"
    import_image "$3"
    ;;
  stop) stop ;;
  *) fail "unknown command '$command'" ;;
esac
