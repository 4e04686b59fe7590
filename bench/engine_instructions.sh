#!/usr/bin/env bash
# Instructions per evaluation on the engine path, counted by callgrind (repeatable on a busy machine).
# Usage: bench/engine_instructions.sh [PYTHON] [COUNT]   (run from a checkout's top directory)
set -euo pipefail
PY=${1:-.venv/bin/python}; N=${2:-300}
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
count() {
  local out; out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file="$out" "$PY" -m bench.engine_profile --count "$1" >/dev/null 2>&1
  awk '/^summary:/ {print $2}' "$out"; rm -f "$out"
}
base=$(count 0); full=$(count "$N")
echo "{\"evaluations\": $N, \"instructions_per_evaluation\": $(( (full - base) / N ))}"
