#!/usr/bin/env bash
# Builds the root filesystem the operator's image starts from, with nothing pulled from a container
# registry: the C library, the C++ runtime and zlib from Debian's packages (what the Java runtime
# links against), users and groups (root and the operator's user, 185), a world-writable /tmp, and
# a Java runtime made by jlink from the JDK that runs the build, holding only the modules the
# operator and the emulator use. The Debian packages are downloaded once (apt-get download) and
# kept outside the work tree.
#
# Usage: build-rootfs.sh --java-home DIR --out DIR
set -euo pipefail

java_home=""
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --java-home) java_home="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "build-rootfs: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ -n "$java_home" ] && [ -n "$out" ] || { echo "usage: build-rootfs.sh --java-home DIR --out DIR" >&2; exit 2; }

log() { printf 'build-rootfs: %s\n' "$*" >&2; }
fail() {
  log "ERROR: $*"
  exit 1
}

# What the jlinked runtime needs (ldd of its binaries and libraries).
packages=(libc6 libgcc-s1 libstdc++6 zlib1g)
# The modules the operator's and the emulator's code and libraries use (jdeps), plus TLS with
# elliptic curves, DNS through JNDI (Netty's resolver), jar file systems (Quarkus reads its
# configuration with them) and jcmd for diagnostics in the container.
modules=java.base,java.compiler,java.desktop,java.logging,java.management,java.naming,java.sql
modules+=,java.xml,jdk.attach,jdk.crypto.ec,jdk.httpserver,jdk.jcmd,jdk.management
modules+=,jdk.naming.dns,jdk.unsupported,jdk.zipfs

debs="${PITR_TOOLS_DIR:-$HOME/.cache/pitr-operator}/image-debs"
mkdir -p "$debs"
command -v apt-get >/dev/null 2>&1 || fail "apt-get is needed to download ${packages[*]} (Debian)"
# The version apt would install now, so that updates (security fixes) reach the image.
files=()
for package in "${packages[@]}"; do
  version=$(apt-cache show --no-all-versions "$package" 2>/dev/null | sed -n 's/^Version: //p' | head -1)
  [ -n "$version" ] || fail "apt knows no package $package: on a fresh machine run 'apt-get update' first"
  file=$(compgen -G "$debs/${package}_${version//:/%3a}_*.deb" | head -1 || true)
  if [ -z "$file" ]; then
    log "downloading $package $version"
    # apt warns that root downloads unsandboxed: expected, and not worth a line in the build.
    if ! (cd "$debs" && apt-get download -q "$package=$version" 2>&1 | { grep -v 'unsandboxed' || true; }) >&2; then
      fail "could not download $package $version"
    fi
    file=$(compgen -G "$debs/${package}_${version//:/%3a}_*.deb" | head -1 || true)
    [ -n "$file" ] || fail "could not download $package $version"
  fi
  files+=("$file")
done

# Built again only when this script, the JDK or a package changed.
stamp="$out.stamp"
want=$( { sha256sum "$0" "${files[@]}" | cut -d' ' -f1; echo "$java_home"; "$java_home/bin/java" -version 2>&1; } | sha256sum | cut -d' ' -f1)
if [ -d "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  log "$out is up to date"
  exit 0
fi

rm -f "$stamp"
rm -rf "$out"
mkdir -p "$out"
for file in "${files[@]}"; do
  dpkg-deb -x "$file" "$out"
  log "unpacked $(basename "$file")"
done
# Documentation, manual pages and the packages' maintainer data are not needed to run.
rm -rf "$out/usr/share/doc" "$out/usr/share/lintian" "$out/usr/share/man" "$out/usr/share/locale" \
  "$out/usr/share/gcc" "$out/usr/share/gdb" "$out"/usr/lib/*/gconv

# Mount points of a container runtime, for a read-only root filesystem.
mkdir -p "$out/etc" "$out/tmp" "$out/deployments" "$out/proc" "$out/sys" "$out/dev"
chmod 1777 "$out/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\noperator:x:185:185:pitr-operator:/deployments:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' >"$out/etc/passwd"
printf 'root:x:0:\noperator:x:185:\nnogroup:x:65534:\n' >"$out/etc/group"
printf 'hosts: files dns\n' >"$out/etc/nsswitch.conf"

"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --output "$out/opt/java"
version=$("$out/opt/java/bin/java" -version 2>&1 | head -1)
echo "$want" >"$stamp"
log "Java runtime: $version; root filesystem: $(du -sh "$out" | cut -f1)"
