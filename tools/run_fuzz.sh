#!/usr/bin/env bash
# Builds and runs the libFuzzer targets (make fuzz) for a bounded time.
#   tools/run_fuzz.sh                 fuzz every target for FUZZ_SECONDS (default 60) each
#   FUZZ_SECONDS=600 tools/run_fuzz.sh
#   FUZZ_TARGETS=sql_fuzz tools/run_fuzz.sh   only the named targets
# Targets: src/protocol/frame_fuzz.cc (DecodeFrame round trip, NormalizeFastjson + RapidJSON),
#          src/filter/sql_fuzz.cc (SQL92 selector compile + evaluate),
#          src/store/record_fuzz.cc (CommitLog record decode/re-encode, ConsumeQueue entries).
# The corpus lives in build-fuzz/corpus/<target> and grows across runs; it is seeded from
# src/protocol/testdata/*.hex (captured Java frames) and a few handmade frames; record_fuzz's from
# src/store/testdata/*.hex (records and entries written by the store's encoders).
# Crashes are written to build-fuzz/artifacts/; the exit status is non-zero when one is found.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=build-fuzz
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
CXX=${FUZZ_CXX:-clang++}
PKGS="libuv openssl yaml-cpp zlib"

if ! command -v "$CXX" >/dev/null; then
  echo "run_fuzz: $CXX not found (install clang and libclang-rt-dev)" >&2
  exit 2
fi

# Only the pure codecs: no sockets, no libuv.
SRCS=(
  src/common/coding.cc
  src/common/json.cc
  src/common/logging.cc
  src/common/status.cc
  src/protocol/ext_fields.cc
  src/protocol/json_header.cc
  src/protocol/remoting_command.cc
  src/protocol/rocketmq_header.cc
  src/filter/sql_expression.cc
  src/filter/sql_lexer.cc
)
# The store codecs (no threads started; mapped_file*.cc only because consume_queue.cc needs them).
STORE_SRCS=(
  src/store/commit_log_record.cc
  src/store/consume_queue.cc
  src/store/mapped_file.cc
  src/store/mapped_file_queue.cc
)
mkdir -p "$OUT/artifacts"
# RapidJSON 1.1.0 (Debian's) adds offsets to its lazily allocated null stack pointer
# (Tencent/rapidjson#1724, fixed upstream after 1.1.0); only that check, only in its headers.
cat >"$OUT/ubsan_ignorelist.txt" <<'LIST'
[pointer-overflow]
src:*/rapidjson/*
LIST
CXXFLAGS=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
          -fsanitize-ignorelist="$OUT/ubsan_ignorelist.txt" -fno-omit-frame-pointer -Isrc
          -Wno-ambiguous-reversed-operator)
# shellcheck disable=SC2207
PKG_CFLAGS=($(pkg-config --cflags $PKGS 2>/dev/null || true))

# Hex text (whitespace and '#' comment lines ignored) to bytes.
unhex() { grep -v '^[[:space:]]*#' "$@" | tr -cd '0-9a-fA-F' | xxd -r -p; }

seed_frame_corpus() {
  local dir=$1 n=0 f
  mkdir -p "$dir"
  # Captured Java frames: the fuzz input is a frame without its 4-byte length word.
  for f in src/protocol/testdata/*.hex; do
    [ -e "$f" ] || continue
    unhex "$f" | tail -c +5 >"$dir/golden-$(basename "$f" .hex)"
    n=$((n + 1))
  done
  # ROCKETMQ header: GET_ROUTEINFO_BY_TOPIC topic=T1 (the reference's worked example).
  echo "01000022 0069 00 0199 00000007 00000000 00000000 0000000D 0005 746F706963 00000002 5431" |
    tr -cd '0-9a-fA-F' | xxd -r -p >"$dir/seed-rocketmq-route"
  # JSON header with a body.
  local h='{"code":310,"extFields":{"a":"G","b":"T","e":"3","i":"TAGS\u0001A\u0002"},"flag":0,"language":"JAVA","opaque":9,"serializeTypeCurrentRPC":"JSON","version":409}'
  printf '%08x' "${#h}" | xxd -r -p >"$dir/seed-json-send"
  printf '%s%s' "$h" "body" >>"$dir/seed-json-send"
  # fastjson files: unquoted numeric keys and MessageQueue object keys.
  printf '%s' '{"offsetTable":{"T@g":{0:42,1:17}}}' >"$dir/seed-offsets"
  printf '%s' '{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"maxOffset":1}}}' >"$dir/seed-mq-keys"
  echo "run_fuzz: seeded $dir ($n captured frames)"
}

# Selectors: the grammar's constructs, comments, literals, and a few broken ones.
seed_sql_corpus() {
  local dir=$1 i=0 s
  mkdir -p "$dir"
  while IFS= read -r s; do
    printf '%s' "$s" >"$dir/seed-$i"
    i=$((i + 1))
  done <<'SQL'
a > 5 AND b = 'x'
(a >= 1 OR b <> 'it''s') AND NOT c IS NULL
a BETWEEN 1 AND 10 AND b NOT IN ('x', 'y') OR c IS NOT NULL
a NOT BETWEEN -5 AND +5L OR c > 1.5E-3 OR c < .5
b CONTAINS 'x' AND b NOT STARTSWITH 'y' AND b ENDSWITH 'z'
/* comment */ TAGS IN ('TagA') -- tail
e = TRUE OR e = FALSE OR a = NULL
((((a = 1))))
a > 2147483648 AND f < 9223372036854775807
SQL
  echo "run_fuzz: seeded $dir ($i selectors)"
}

# Encoded records, blank records and ConsumeQueue entries (hex in src/store/testdata).
seed_record_corpus() {
  local dir=$1 n=0 f
  mkdir -p "$dir"
  for f in src/store/testdata/*.hex; do
    [ -e "$f" ] || continue
    unhex "$f" >"$dir/seed-$(basename "$f" .hex)"
    n=$((n + 1))
  done
  echo "run_fuzz: seeded $dir ($n encoded records)"
}

status=0
for target in ${FUZZ_TARGETS:-frame_fuzz sql_fuzz record_fuzz}; do
  src=$(find src -name "$target.cc" | head -1)
  bin="$OUT/$target"
  echo "== building $bin"
  extra=()
  [ "$target" = record_fuzz ] && extra=("${STORE_SRCS[@]}")
  # shellcheck disable=SC2046
  "$CXX" "${CXXFLAGS[@]}" "${PKG_CFLAGS[@]}" "$src" "${SRCS[@]}" "${extra[@]}" -o "$bin" \
    $(pkg-config --libs zlib 2>/dev/null || echo -lz)
  corpus="$OUT/corpus/$target"
  case "$target" in
    sql_fuzz) seed_sql_corpus "$corpus" ;;
    record_fuzz) seed_record_corpus "$corpus" ;;
    *) seed_frame_corpus "$corpus" ;;
  esac
  echo "== fuzzing $target for ${SECONDS_PER_TARGET}s"
  if ! "./$bin" "$corpus" -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$OUT/artifacts/$target-" -print_final_stats=1 2>"$OUT/$target.log"; then
    status=1
    echo "run_fuzz: $target FAILED; last lines of $OUT/$target.log:" >&2
    tail -40 "$OUT/$target.log" >&2
  else
    grep -E '^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::new_units_added)' "$OUT/$target.log" || true
    echo "run_fuzz: $target OK"
  fi
done
exit $status
