#!/usr/bin/env bash
# Generates the Python code of protos/ into the directory given (default: gen/).
# One generator: grpc_tools.protoc with mypy-protobuf for typed stubs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/gen}"
python="${PYTHON:-$root/.venv/bin/python}"
rm -rf "$out/bookingplatform"
mkdir -p "$out"
cd "$root/protos"
mapfile -t files < <(find bookingplatform -name '*.proto' | sort)
"$python" -m grpc_tools.protoc -I . \
  --plugin=protoc-gen-mypy="$(dirname "$python")/protoc-gen-mypy" \
  --plugin=protoc-gen-mypy_grpc="$(dirname "$python")/protoc-gen-mypy_grpc" \
  --python_out="$out" --mypy_out="$out" \
  --grpc_python_out="$out" --mypy_grpc_out="$out" \
  "${files[@]}"
