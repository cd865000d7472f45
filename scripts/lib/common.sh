# Shared by scripts/demo and scripts/test: install missing Debian packages, configure, build.
# Sourced, not run. Quiet when there is nothing to do.

BFEDGE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# The fuzz preset: clang 19, libFuzzer, and the sanitizer runtimes clang links with.
BFEDGE_FUZZ_PACKAGES=(clang-19 libfuzzer-19-dev libclang-rt-19-dev)

# Debian 12 packages the host build and tests need.
BFEDGE_PACKAGES=(cmake ninja-build g++ libgtest-dev libcli11-dev nlohmann-json3-dev libbenchmark-dev
  libicu-dev  # Unicode data (case mapping, NFD/NFC, categories) for the WordPiece tokenizer
  # image datasets (TinyViT): JPEG and PNG decoding, gzip'd IDX files and the cache's CRC, reading
  # CIFAR-10's tar.xz directly, and Fashion-MNIST itself (/usr/share/datasets/fashion-mnist)
  libjpeg62-turbo-dev libpng-dev zlib1g-dev libarchive-dev dataset-fashion-mnist
  # the RV32 firmware: bare-metal GCC + picolibc, libstdc++ headers from the cross package, QEMU
  gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf picolibc-riscv64-unknown-elf
  g++-riscv64-linux-gnu qemu-system-misc
  xz-utils  # unpacks qemu-plugin.h from the qemu source tarball
  libdnnl-dev  # oneDNN, the peer bfedge bench gemm compares with
  # libtorch (C++): the training component (bfedge train) and the libtorch peers of bench/eval;
  # OpenBLAS replaces Debian's reference BLAS under libtorch's FP32 (~30x faster)
  libtorch-dev libopenblas0-pthread
  libsqlite3-dev  # the pruning search's results (bfedge prune)
  gnuplot-nox  # the pruning report's PNG plot
  libopenmpi-dev openmpi-bin  # mpirun -np N bfedge prune: rank 0 searches, the others train
  "${BFEDGE_FUZZ_PACKAGES[@]}")

bfedge_log() { printf 'bfedge: %s\n' "$*" >&2; }

# Installs whichever of the given packages are missing (apt-get; sudo when not root).
bfedge_ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      bfedge_log "missing packages: ${missing[*]}; run as root: apt-get install ${missing[*]}"
      return 1
    fi
  fi
  bfedge_log "installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq >/dev/null ||
    { bfedge_log "apt-get update failed"; return 1; }
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    { bfedge_log "apt-get install ${missing[*]} failed"; return 1; }
}

# The QEMU TCG plugin API header is in no Debian binary package: take qemu-plugin.h (QEMU 7.2,
# API v1, GPL-2.0-or-later) from Debian's qemu source package into .cache/ (not committed).
# Uses a private deb-src list derived from the machine's own Debian sources; idempotent.
bfedge_fetch_qemu_plugin_header() {
  local dest="$BFEDGE_ROOT/.cache/qemu-plugin-api"
  [ -f "$dest/qemu-plugin.h" ] && return 0
  local work
  work=$(mktemp -d)
  mkdir -p "$work/lists/partial" "$work/parts"
  local sources=/etc/apt/sources.list.d/debian.sources
  if [ -f "$sources" ]; then
    awk 'BEGIN{RS=""} /Types: deb/ {gsub(/Types: deb/, "Types: deb-src"); print; print ""}' "$sources" >"$work/parts/src.sources"
  else
    grep -h '^deb ' /etc/apt/sources.list 2>/dev/null | sed 's/^deb /deb-src /' >"$work/parts/src.list"
  fi
  local opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/parts" -o "Dir::State::Lists=$work/lists")
  bfedge_log "fetching qemu-plugin.h from Debian's qemu source package"
  if (cd "$work" && apt-get "${opts[@]}" update -qq >/dev/null 2>&1 &&
      apt-get "${opts[@]}" source --download-only qemu >/dev/null 2>&1 &&
      tar -xJf qemu_*.orig.tar.xz --wildcards '*/include/qemu/qemu-plugin.h'); then
    mkdir -p "$dest"
    cp "$work"/qemu-*/include/qemu/qemu-plugin.h "$dest/"
  else
    bfedge_log "could not fetch qemu-plugin.h: the QEMU counting plugin and its test are skipped"
  fi
  rm -rf "$work"
}

# Configures (first time) and builds one CMake preset; prints the build log only on failure.
bfedge_build() {
  local preset=$1 log targets=()
  shift
  [ $# -gt 0 ] && targets=(--target "$@")  # only these targets (default: all of the preset)
  log=$(mktemp)
  if ! { cmake -S "$BFEDGE_ROOT" --preset "$preset" >"$log" 2>&1 &&
         cmake --build --preset "$preset" -j "$(nproc)" "${targets[@]}" >>"$log" 2>&1; }; then
    cat "$log" >&2
    rm -f "$log"
    bfedge_log "build of preset '$preset' failed"
    return 1
  fi
  rm -f "$log"
}
