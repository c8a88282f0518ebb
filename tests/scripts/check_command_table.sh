#!/bin/sh
# The checked-in src/commands/command_table_generated.inc is what tools/gen_command_table.py makes
# of tools/data/*.json and tools/command_overrides.json (run from anywhere; python3 stdlib only).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
exec python3 "$root/tools/gen_command_table.py" --check
