# Shared by the bench/*.sh scripts (sourced, not run): the tradu binary, the Python to use, a work folder removed
# on exit with every server the script started, and the dpkg corpus.
#
# After sourcing: $root, $tradu (first argument, else .build/release/tradu, else .build/debug/tradu), $python,
# $work (with manifests/data/), and `started PID` to have a server stopped on exit.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tradu="${1:-}"
if [ -z "$tradu" ]; then
    tradu="$root/.build/release/tradu"
    [ -x "$tradu" ] || tradu="$root/.build/debug/tradu"
fi
tradu="$(cd "$(dirname "$tradu")" && pwd)/$(basename "$tradu")"
python=python3
[ -x /usr/bin/python3 ] && python=/usr/bin/python3
work="$(mktemp -d "/tmp/tradu-$(basename "$0" .sh)-bench.XXXXXX")"
servers=()
started() { servers+=("$1"); }
cleanup() {
    for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
    TRADU_HOME="$work/home" "$tradu" db down >/dev/null 2>&1 || true
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/manifests/data"

# dpkg_corpus N FILE: the first N package descriptions (by name) of this machine's dpkg database as JSON Lines
# {"id", "text"}: Debian's own text, nobody here wrote it.
dpkg_corpus() {
    "$python" - "$1" "$2" <<'PY'
import json, sys
limit, path = int(sys.argv[1]), sys.argv[2]
records, current = [], {}
for line in open("/var/lib/dpkg/status", encoding="utf-8", errors="replace"):
    if line.startswith("Package: "):
        current = {"id": line.split(":", 1)[1].strip()}
    elif line.startswith("Description: "):
        current["text"] = line.split(":", 1)[1].strip()
    elif line.startswith(" ") and "text" in current and line.strip() != ".":
        current["text"] += " " + line.strip()
    elif not line.strip() and "text" in current:
        records.append(current)
        current = {}
seen, out = set(), open(path, "w")
for record in sorted(records, key=lambda r: r["id"]):
    if record["id"] in seen or len(seen) == limit:
        continue
    seen.add(record["id"])
    out.write(json.dumps(record) + "\n")
PY
}
