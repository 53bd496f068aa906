#!/usr/bin/env bash
# Quick start, first command: install what is missing, build, and run the main job on built-in
# defaults (qkdlab demo). Extra arguments go to the demo, e.g. scripts/run.sh --theta 2 --json.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
exec "$root/build/cli/qkdlab" demo "$@"
