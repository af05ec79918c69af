#!/usr/bin/env bash
# Builds and runs the libFuzzer targets (make fuzz) for a bounded time, one target at a time.
#   tools/run_fuzz.sh                          every target for FUZZ_SECONDS (default 60) each
#   FUZZ_SECONDS=600 tools/run_fuzz.sh
#   FUZZ_TARGETS="sql_fuzz body_fuzz" tools/run_fuzz.sh    only the named targets
#   tools/run_fuzz.sh --merge                  (make fuzz-merge) no fuzzing: fold the units found so
#                                              far into the repository corpus, minimized (-merge=1)
# Targets (each src/**/<target>.cc, one per decoder family; see docs/reliability/fuzzing.md):
#   frame_fuzz       DecodeFrame, both header serializations (JSON, ROCKETMQ), re-encode round trip;
#                    NormalizeFastjson + json::Parse
#   sql_fuzz         SQL92 selector compile + evaluate
#   record_fuzz      CommitLog record decode/re-encode, ConsumeQueue entries
#   body_fuzz        JSON request bodies (heartbeat, register broker JSON + compressed, topic
#                    config, subscription group, DataVersion, mqSet/offset bodies, CHECK_CLIENT_CONFIG)
#   message_fuzz     SEND_BATCH_MESSAGE body, properties strings, offset message ids
#   store_json_fuzz  topics.json, consumerOffset.json, delayOffset.json, subscriptionGroup.json,
#                    timerProgress.json, kvConfig.json through the managers' Load
#   config_fuzz      broker/namesrv properties files, plain_acl.yml, white-address patterns
# Corpora: fuzz/corpus/<target>/ in the repository (minimized, small) plus the handmade seeds that
# tools/fuzz_seeds.py writes to build-fuzz/seeds/<target>/ each run; new units go to
# build-fuzz/corpus/<target>/. Crashes go to build-fuzz/artifacts/; the exit status is non-zero
# when a target fails. The library is built once with clang into build-fuzz/obj (incremental).
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=build-fuzz
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
CXX=${FUZZ_CXX:-clang++}
PKGS="libuv openssl yaml-cpp zlib"
ALL_TARGETS="frame_fuzz sql_fuzz record_fuzz body_fuzz message_fuzz store_json_fuzz config_fuzz"
MERGE=0
[ "${1:-}" = "--merge" ] && MERGE=1

if ! command -v "$CXX" >/dev/null; then
  echo "run_fuzz: $CXX not found (tools/install_deps.sh --fuzz installs clang and libclang-rt-dev)" >&2
  exit 2
fi

mkdir -p "$OUT/artifacts"
# RapidJSON 1.1.0 (Debian's) adds offsets to its lazily allocated null stack pointer
# (Tencent/rapidjson#1724, fixed upstream after 1.1.0); only that check, only in its headers.
cat >"$OUT/ubsan_ignorelist.txt" <<'LIST'
[pointer-overflow]
src:*/rapidjson/*
LIST
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize-ignorelist=$PWD/$OUT/ubsan_ignorelist.txt"
BASE="-std=c++20 -g -O1 -fno-omit-frame-pointer -Isrc -Wno-ambiguous-reversed-operator"
# The whole library, instrumented for coverage and the sanitizers (the Makefile's rules, another
# compiler and BUILD directory).
echo "== building $OUT/obj/librmq.a with $CXX"
nice make -s -j"${FUZZ_JOBS:-2}" BUILD="$OUT/obj" CXX="$CXX" \
  CXXFLAGS="$BASE $SAN -fsanitize=fuzzer-no-link -MMD -MP" "$OUT/obj/librmq.a"
# shellcheck disable=SC2207
PKG_CFLAGS=($(pkg-config --cflags $PKGS 2>/dev/null || true))
# shellcheck disable=SC2207
PKG_LIBS=($(pkg-config --libs $PKGS 2>/dev/null || echo -luv -lssl -lcrypto -lyaml-cpp -lz))

status=0
for target in ${FUZZ_TARGETS:-$ALL_TARGETS}; do
  src=$(find src -name "$target.cc" | head -1)
  [ -n "$src" ] || { echo "run_fuzz: no src/**/$target.cc" >&2; exit 2; }
  bin="$OUT/$target"
  if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ] || [ "$OUT/obj/librmq.a" -nt "$bin" ]; then
    echo "== linking $bin"
    # shellcheck disable=SC2086
    nice "$CXX" $BASE $SAN -fsanitize=fuzzer "${PKG_CFLAGS[@]}" "$src" "$OUT/obj/librmq.a" -o "$bin" \
      "${PKG_LIBS[@]}" -lpthread
  fi
  repo="fuzz/corpus/$target"
  seeds="$OUT/seeds/$target"
  found="$OUT/corpus/$target"
  mkdir -p "$repo" "$found"
  rm -rf "$seeds"
  python3 tools/fuzz_seeds.py "$target" "$seeds"
  if [ "$MERGE" = 1 ]; then
    # Everything interesting from the repository corpus, this machine's finds and the seeds,
    # minimized into a fresh directory that then replaces the repository's.
    rm -rf "$repo.new"
    mkdir -p "$repo.new"
    "./$bin" -merge=1 -max_len=65536 -timeout=10 -rss_limit_mb=2048 "$repo.new" "$repo" "$found" "$seeds" \
      2>"$OUT/$target-merge.log" || { status=1; tail -20 "$OUT/$target-merge.log" >&2; rm -rf "$repo.new"; continue; }
    rm -rf "$repo"
    mv "$repo.new" "$repo"
    echo "run_fuzz: $target corpus: $(find "$repo" -type f | wc -l) units, $(du -sk "$repo" | cut -f1) KiB"
    continue
  fi
  echo "== fuzzing $target for ${SECONDS_PER_TARGET}s"
  if ! nice -n 19 "./$bin" "$found" "$repo" "$seeds" -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 \
      -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$OUT/artifacts/$target-" -print_final_stats=1 \
      2>"$OUT/$target.log"; then
    status=1
    echo "run_fuzz: $target FAILED; last lines of $OUT/$target.log:" >&2
    tail -40 "$OUT/$target.log" >&2
  else
    grep -E '^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::new_units_added)' "$OUT/$target.log" || true
    echo "run_fuzz: $target OK"
  fi
done
exit $status
