#!/usr/bin/env bash
# Quick start, first command: install what is missing, build, and run the main job on built-in
# defaults: decoy-state BB84 over the metro-25km preset link (qkdlab link, photon mode, 1e9
# pulses), post-processed to a final key (sifting, estimation, Cascade, verification, privacy
# amplification, authenticated). Extra arguments go to qkdlab link, e.g.
# scripts/run.sh --json --seed 7 --eve pns.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
exec "$root/build/cli/qkdlab" link --preset metro-25km --postprocess "$@"
