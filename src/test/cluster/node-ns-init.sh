#!/bin/sh
# Holds the test cluster's node mount namespace (cluster.sh starts it through
# `unshare --mount --propagation private`); containerd, the kubelet and the containers run in it.
# What is mounted here never reaches the host's mount table, and goes when the namespace's last
# process exits. Usage: node-ns-init.sh DIR (the cluster's directory).
set -eu
# unshare execs this script: its parent is the caller, whose namespace must not be this one.
if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/$PPID/ns/mnt)" ]; then
  echo "node-ns-init: refusing to run in the host's mount namespace" >&2
  exit 1
fi
S="$1"
mount -n -t tmpfs -o mode=0711 pitr-cluster-run-containerd /run/containerd # the shims' sockets
mount -n -t tmpfs -o mode=0755 pitr-cluster-run-netns /run/netns           # pods' network namespaces
mount -n -t tmpfs -o mode=0755 pitr-cluster-run-mount /run/mount           # libmount's table of the kubelet's mounts
mount -n -t tmpfs -o mode=0755 pitr-cluster-var-lib-kubelet /var/lib/kubelet # the kubelet's fixed plugin sockets
mount -n --bind "$S/var-lib-cni" /var/lib/cni                              # libcni's cache
mount -n --bind "$S/var-log-containers" /var/log/containers                # the kubelet's fixed log links
# The kubelet sets these six kernel settings when they differ from what it wants: here it finds
# them so (cluster.sh writes the files).
for setting in vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops kernel/keys/root_maxkeys kernel/keys/root_maxbytes; do
  mount -n --bind "$S/fake-sysctl/$(echo "$setting" | tr / .)" "/proc/sys/$setting"
done
ln -s "$S/containerd/containerd.sock" /run/containerd/containerd.sock # where cAdvisor looks for containerd
touch "$S/node-ns-ready"
exec sleep infinity
