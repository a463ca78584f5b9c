#!/usr/bin/env bash
# The installed package works for a chain developer (issue 11, item 8):
#   1. `meson install --destdir` a configured build into a scratch root;
#   2. the public headers installed are include/checkpoint/*.h and include only
#      each other and system/standard headers (a header leaking an internal one
#      — "util/…", "state/…", rocksdb, openssl, zstd — fails here);
#   3. examples/embed is compiled with nothing but `pkg-config` from that root
#      (no -I into the source tree), linked, and run;
#   4. `checkpoint --version` from the root says meson.build's version, and the
#      man page is installed.
# usage: scripts/check-install.sh BUILD_DIR [WORK_DIR]
set -euo pipefail
build=$(realpath "$1")
src=$(realpath "$(dirname "$0")/..")
work=${2:-$(mktemp -d)}
mkdir -p "$work"
work=$(realpath "$work")
dest=$work/root
rm -rf "$dest" "$work/embed" "$work/run"
fail() { echo "check-install: $*" >&2; exit 1; }

meson install -C "$build" --destdir "$dest" --no-rebuild >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "meson install failed"; }

prefix=$(meson introspect "$build" --buildoptions |
  python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')
pc=$(find "$dest" -name checkpoint.pc | head -1)
[ -n "$pc" ] || fail "no checkpoint.pc installed"
incdir=$(find "$dest" -type d -path '*/include/checkpoint' | head -1)
[ -n "$incdir" ] || fail "no include/checkpoint installed"

# 2. Only the public headers, and they include nothing private.
installed=$(cd "$incdir" && ls | sort | tr '\n' ' ')
expected=$(cd "$src/include/checkpoint" && ls ./*.h | sed 's|^\./||'; echo version.h)
expected=$(echo "$expected" | sort | tr '\n' ' ')
[ "$installed" = "$expected" ] || fail "installed headers '$installed', want '$expected'"
for h in "$incdir"/*.h; do
  while read -r inc; do
    case "$inc" in
      '"checkpoint/'*'.h"') [ -f "$incdir/$(echo "$inc" | sed 's|"checkpoint/\(.*\)"|\1|')" ] ||
                              fail "$(basename "$h") includes $inc, which is not installed" ;;
      '<'*'>') case "$inc" in
                 *rocksdb*|*openssl*|*zstd*|*xxhash*|*boost*|*nlohmann*)
                   fail "$(basename "$h") includes third-party $inc" ;;
                 *'/'*) fail "$(basename "$h") includes $inc (not a standard header)" ;;
               esac ;;
      *) fail "$(basename "$h") includes $inc, an internal header" ;;
    esac
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\([<"][^>"]*[>"]\).*/\1/p' "$h")
done

# 3. Build the example from the installed tree only.
export PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_SYSROOT_DIR=$dest
flags=$(pkg-config --cflags checkpoint)
libs=$(pkg-config --static --libs checkpoint)
# The install root may itself lie inside the checkout (build-test/…): only a
# path outside it that points into the source tree is a leak.
outside_root="$flags $libs"
outside_root=${outside_root//"$dest"/}
case "$outside_root" in *"$src"*) fail "pkg-config points into the source tree: $flags $libs" ;; esac
case "$flags" in *"$dest"*) ;; *) fail "cflags do not point into the install root: $flags" ;; esac
${CXX:-c++} -std=c++20 -Wall -Wextra -Werror $flags "$src/examples/embed/embed.cc" $libs \
  -o "$work/embed" 2>"$work/embed.log" || { cat "$work/embed.log"; fail "examples/embed does not build"; }
"$work/embed" "$work/run" || fail "examples/embed failed"

# 4. The tool and its man page.
version=$(meson introspect "$build" --projectinfo |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
got=$("$dest$prefix/bin/checkpoint" --version)
[ "$got" = "checkpoint $version" ] || fail "checkpoint --version says '$got', meson.build $version"
[ -n "$(find "$dest" -path '*/man1/checkpoint.1*' | head -1)" ] || fail "man page not installed"
echo "check-install: ok ($(basename "$pc"), $(echo "$installed" | wc -w) headers, embed ran, $got)"
