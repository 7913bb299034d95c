#!/usr/bin/env bash
# Real systemd hosts for etcdlab's ssh provider tests: containers made from a Debian root file system
# with systemd (as PID 1), sshd, iproute2, nftables (for link faults), dbus and sudo, on the private dockerd's bridge (198.18.0.0/24,
# see dockerd.sh). Each host gets its own ed25519 host key and the test key for root and for `etcdops`,
# a non-root user with password-less sudo (as many sites require instead of root logins).
# The hosts have no Node.js and no etcd: etcdlab has to bring them, as on bare machines.
#
#   scripts/testbed/systemd-hosts.sh start N   # N hosts (default 4); prints KEY=VALUE lines (below)
#   scripts/testbed/systemd-hosts.sh stop      # removes the containers; idempotent
#   scripts/testbed/systemd-hosts.sh image     # builds (or reuses) the image only
#
# `start` writes into $ETCDLAB_SYSTEMD_HOSTS_DIR (default .testbed/systemd-hosts/run) and prints:
#   inventory=<file>     an ssh inventory: hosts sys-1..sys-N (the first min(3, N-1) with etcd+monitor,
#                        the rest agent), coordinator 198.18.0.1 (this machine on the bridge)
#   known_hosts=<file>   one line per host (also referenced by the inventory's ssh.knownHostsFile)
#   key=<file>           the private key that logs in as root and as the sudo user
#   sudo_user=etcdops    the non-root user with `sudo -n` rights
#   hosts=<name>=<address>,...
# The root file system is built once with debootstrap (about a minute) and cached in
# .testbed/systemd-hosts/rootfs-2.tar; the imported image stays in the private dockerd's data root.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=$repo/.testbed/systemd-hosts
dir=${ETCDLAB_SYSTEMD_HOSTS_DIR:-$cache/run}
prefix=${ETCDLAB_SYSTEMD_HOSTS_PREFIX:-etcdlab-sys}
image=etcdlab-systemd-host:bookworm-3
rootfs=$cache/rootfs-3.tar # the name changes with what build_rootfs puts in
sudo_user=etcdops
suite=bookworm
mirror=${ETCDLAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}

log() { printf '[systemd-hosts] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

use_dockerd() {
  local sock
  if [ "${1:-start}" = status ]; then sock=$(bash "$repo/scripts/testbed/dockerd.sh" status) || return 1
  else sock=$(bash "$repo/scripts/testbed/dockerd.sh" start) || die "the private dockerd did not start (scripts/testbed/dockerd.sh)"; fi
  export DOCKER_HOST=unix://$sock
  command -v docker >/dev/null || die "the docker CLI is missing: apt-get install docker.io"
}

apt_install() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 1
  log "installing $*"
  local try
  for try in $(seq 1 60); do
    if { apt-get -o DPkg::Lock::Timeout=5 update -qq >/dev/null &&
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=5 install -y -qq "$@" >/dev/null; } 2>"$cache/apt.err"; then
      rm -f "$cache/apt.err"; return 0
    fi
    grep -q lock "$cache/apt.err" || { cat "$cache/apt.err" >&2; return 1; }
    sleep 5
  done
  return 1
}

build_rootfs() {
  mkdir -p "$cache"
  [ -s "$rootfs" ] && return 0
  command -v debootstrap >/dev/null || apt_install debootstrap ||
    die "debootstrap is missing: apt-get install debootstrap (as root), then run this again"
  local root=$cache/rootfs.tmp
  rm -rf "$root"
  log "building a Debian $suite root file system with systemd and sshd (debootstrap, about a minute)"
  debootstrap --variant=minbase --include=systemd,systemd-sysv,openssh-server,iproute2,nftables,dbus,procps,sudo \
    "$suite" "$root" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    { tail -n 20 "$cache/debootstrap.log" >&2; die "debootstrap failed (log: $cache/debootstrap.log)"; }
  # Per-host keys arrive at start; the shared ones made by the package are removed.
  rm -f "$root"/etc/ssh/ssh_host_*
  mkdir -p "$root/etc/ssh/sshd_config.d" "$root/root/.ssh"
  chmod 700 "$root/root/.ssh"
  chroot "$root" useradd -m -u 1000 -s /bin/bash "$sudo_user"
  printf '%s ALL=(ALL) NOPASSWD: ALL\n' "$sudo_user" >"$root/etc/sudoers.d/$sudo_user"
  chmod 440 "$root/etc/sudoers.d/$sudo_user"
  install -d -m 700 -o 1000 -g 1000 "$root/home/$sudo_user/.ssh"
  printf 'HostKey /etc/ssh/ssh_host_ed25519_key\nPasswordAuthentication no\nPermitRootLogin prohibit-password\nUseDNS no\n' \
    >"$root/etc/ssh/sshd_config.d/etcdlab-testbed.conf"
  # No getty on a console nobody reads; no waiting for a network manager that is not there.
  rm -f "$root"/etc/systemd/system/getty.target.wants/* 2>/dev/null || true
  ln -sf /dev/null "$root/etc/systemd/system/systemd-networkd-wait-online.service"
  echo "etcdlab-testbed" >"$root/etc/hostname"
  tar -C "$root" -cf "$rootfs.tmp" .
  mv "$rootfs.tmp" "$rootfs"
  rm -rf "$root"
}

ensure_image() {
  docker image inspect "$image" >/dev/null 2>&1 && return 0
  exec 8>"$cache.lock"
  flock -w 600 8 || die "another build holds $cache.lock"
  docker image inspect "$image" >/dev/null 2>&1 && return 0
  build_rootfs
  log "importing $image"
  docker import -c 'CMD ["/sbin/init"]' "$rootfs" "$image" >/dev/null
}

containers() { docker ps -aq --filter "label=etcdlab.testbed=systemd-hosts" --filter "label=etcdlab.prefix=$prefix"; }

stop() {
  local ids
  ids=$(containers)
  [ -n "$ids" ] && docker rm -f $ids >/dev/null
  log "removed $(echo "$ids" | grep -c . || true) host(s)"
}

wait_ready() {
  local c=$1 state=
  for _ in $(seq 1 120); do
    state=$(docker exec "$c" systemctl is-system-running 2>/dev/null || true)
    case "$state" in
      running | degraded)
        docker exec "$c" systemctl is-active --quiet ssh && return 0 ;;
    esac
    sleep 0.5
  done
  die "$c did not boot (systemctl is-system-running: ${state:-no answer}); see: docker logs $c"
}

start() {
  local n=${1:-4}
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 16 ] || die "N must be 1..16"
  mkdir -p "$cache" "$dir"
  ensure_image
  stop >/dev/null 2>&1 || true
  rm -f "$dir"/host-* "$dir/known_hosts"
  command -v ssh-keygen >/dev/null || apt_install openssh-client || die "ssh-keygen is missing: apt-get install openssh-client"
  [ -s "$dir/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C etcdlab-testbed -f "$dir/id_ed25519"
  local i name c stage addr etcd_n=$((n - 1 < 3 ? n - 1 : 3))
  [ "$etcd_n" -ge 1 ] || etcd_n=1
  local names=() addrs=()
  for i in $(seq 1 "$n"); do
    name=sys-$i
    c=$prefix-$i
    stage=$(mktemp -d)
    mkdir -p "$stage/etc/ssh" "$stage/root/.ssh" "$stage/home/$sudo_user/.ssh"
    chmod 700 "$stage/root/.ssh" "$stage/home/$sudo_user/.ssh"
    ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$stage/etc/ssh/ssh_host_ed25519_key"
    cp "$dir/id_ed25519.pub" "$stage/root/.ssh/authorized_keys"
    chmod 600 "$stage/root/.ssh/authorized_keys"
    cp -p "$stage/root/.ssh/authorized_keys" "$stage/home/$sudo_user/.ssh/authorized_keys"
    cp "$stage/etc/ssh/ssh_host_ed25519_key.pub" "$dir/host-$i.pub"
    docker create --name "$c" --hostname "$name" \
      --label etcdlab.testbed=systemd-hosts --label "etcdlab.prefix=$prefix" \
      --cap-add SYS_ADMIN --cap-add NET_ADMIN --stop-signal SIGRTMIN+3 --stop-timeout 5 \
      --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
      --tmpfs /run --tmpfs /run/lock --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
      "$image" >/dev/null
    tar -C "$stage" --owner=0 --group=0 -cf - . | docker cp - "$c:/"
    rm -rf "$stage"
    docker start "$c" >/dev/null
    docker exec "$c" chown -R "$sudo_user:" "/home/$sudo_user" # the copy above made it root's
    names+=("$name")
  done
  : >"$dir/known_hosts"
  for i in $(seq 1 "$n"); do
    c=$prefix-$i
    wait_ready "$c"
    addr=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$c")
    [ -n "$addr" ] || die "$c has no address on the bridge"
    addrs+=("$addr")
    printf '%s %s\n' "$addr" "$(cut -d' ' -f1,2 "$dir/host-$i.pub")" >>"$dir/known_hosts"
  done
  {
    echo "# Written by scripts/testbed/systemd-hosts.sh: $n systemd hosts on the private dockerd's bridge."
    echo "name: systemd-testbed"
    echo "provider: ssh"
    echo "coordinator: { address: 198.18.0.1, port: 7380 }"
    echo "ssh: { user: root, identityFile: $dir/id_ed25519, knownHostsFile: $dir/known_hosts }"
    echo "hosts:"
    for i in $(seq 1 "$n"); do
      if [ "$i" -le "$etcd_n" ] && [ "$n" -gt 1 ]; then roles='[etcd, monitor]'; elif [ "$n" = 1 ]; then roles='[etcd]'; else roles='[agent]'; fi
      echo "  - { name: ${names[$((i - 1))]}, address: ${addrs[$((i - 1))]}, roles: $roles, workDir: /var/lib/etcdlab }"
    done
    echo "cluster:"
    echo "  name: testbed"
    echo "  etcd: { kind: local, path: /usr/bin/etcd }"
  } >"$dir/inventory.yaml"
  echo "inventory=$dir/inventory.yaml"
  echo "known_hosts=$dir/known_hosts"
  echo "key=$dir/id_ed25519"
  echo "sudo_user=$sudo_user"
  local list=() j
  for j in "${!names[@]}"; do list+=("${names[$j]}=${addrs[$j]}"); done
  (IFS=,; echo "hosts=${list[*]}")
}

case "${1:-}" in
  start) use_dockerd; start "${2:-4}" ;;
  stop) if use_dockerd status; then stop; else log "dockerd is not running: no hosts"; fi ;;
  image) use_dockerd; mkdir -p "$cache"; ensure_image; echo "$image" ;;
  *) echo "usage: $0 start [N] | stop | image" >&2; exit 2 ;;
esac
