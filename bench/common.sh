# Shared by the bench/*.sh scripts (sourced, not run): the tradu binary, the Python to use, a work folder removed
# on exit with every server the script started, and the dpkg corpus.
#
# After sourcing: $root, $tradu (first argument, else .build/release/tradu, else .build/debug/tradu), $python,
# $work (with manifests/data/), `started PID` to have a server stopped on exit, `embedded_database` (sets $url;
# `psql_ SQL` then runs a statement there, `measure_statements FILE BLOCKS` a script, measured), `median`, `block_columns`,
# and `short_documents COUNT FILE` and
# `one_document_project ENV DATAFILE` for a corpus of short documents run one a block by the `pseudo` engine, and
# `pseudo_project ENV DATAFILE BLOCKS` for the same cut as BLOCKS says; `describe_pipeline [SPEC LINES]` for the
# Pipeline of the dpkg-corpus scripts.
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

# embedded_database: starts the embedded PostgreSQL (durable, as tradu starts it) in the work folder, stopped on
# exit; sets $url.
embedded_database() {
    export TRADU_HOME="$work/home"
    url="$("$tradu" db up --log-level error | tail -1)"
}

# block_columns: the columns of tradu's `blocks` after its id (as the migrations leave them), for the schemas the
# bench/*_shapes.sh scripts compare.
block_columns() {
    cat <<'SQL'
pipeline text NOT NULL, block_hash text NOT NULL, target_language text NOT NULL,
    ordinal integer NOT NULL, spec_hash text NOT NULL, state text NOT NULL DEFAULT 'created',
    attempt integer NOT NULL DEFAULT 0, priority integer NOT NULL DEFAULT 50, run_at timestamptz NOT NULL DEFAULT now(),
    revision bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
    attempt_base integer NOT NULL DEFAULT 0, lease_owner text, lease_expires_at timestamptz, heartbeat_at timestamptz,
    enqueued_at timestamptz, started_at timestamptz, finished_at timestamptz, error_class text, last_error text,
    errors jsonb NOT NULL DEFAULT '[]', result_spec text
SQL
}

# measure_statements FILE BLOCKS: runs a SQL script in one session on $url; prints "WAL bytes per block, server CPU
# µs per block" (the session's backend, from /proc/PID/schedstat).
measure_statements() {
    psql "$url" -Atq -v ON_ERROR_STOP=1 <<SQL
SELECT pg_current_wal_lsn() AS wal0, pg_backend_pid() AS pid \gset
SELECT split_part(pg_read_file('/proc/' || :pid || '/schedstat'), ' ', 1)::bigint AS cpu0 \gset
\o /dev/null
\i $1
\o
SELECT round(pg_wal_lsn_diff(pg_current_wal_lsn(), :'wal0') / $2.0) || ' ' ||
       round((split_part(pg_read_file('/proc/' || :pid || '/schedstat'), ' ', 1)::bigint - :cpu0) / 1000.0 / $2, 1);
SQL
}

# median: the median of the space-separated numbers on standard input (the lower middle one of an even count).
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

psql_() { # sql: runs it on $url, prints the rows unaligned
    psql "$url" -Atq -c "$1"
}

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
environment_yaml() { # name: an Environment document and the separator after it, for a project.yaml heredoc
    printf 'apiVersion: tradu/v1\nkind: Environment\nmetadata: {name: %s}\nspec: {}\n---\n' "$1"
}
describe_pipeline() { # [extra spec lines, each indented by two spaces]: the document separator and the Pipeline
    # `describe` (dataset `packages`, engine `llm`, to French, the output checks off) for a project.yaml heredoc
    printf -- '---\napiVersion: tradu/v1\nkind: Pipeline\nmetadata: {name: describe}\nspec:\n  dataset: packages\n'
    printf '  engine: llm\n  targetLanguages: [fr]\n'
    [ -z "${1:-}" ] || printf '%s\n' "$1"
    printf '  checks: {untranslated: {enabled: false}, lengthRatio: {enabled: false}}\n'
}
pseudo_project() { # env dataset-file blocks: one dataset `docs` cut as `blocks` (a YAML flow mapping), one pipeline
    # of the `pseudo` engine to French
    cat > "$work/manifests/project.yaml" <<YAML
$(environment_yaml "$1")
apiVersion: tradu/v1
kind: Dataset
metadata: {name: docs}
spec: {source: {path: data/$2}, format: jsonl, sourceLanguage: en, blocks: $3}
---
apiVersion: tradu/v1
kind: Engine
metadata: {name: pseudo}
spec: {type: pseudo}
---
apiVersion: tradu/v1
kind: Pipeline
metadata: {name: docs}
spec: {dataset: docs, engine: pseudo, targetLanguages: [fr]}
YAML
}
one_document_project() { # env dataset-file: one pipeline of one-document blocks, `pseudo` engine, to French
    pseudo_project "$1" "$2" "{maxRecords: 1}"
}
short_documents() { # count file: ~200-byte JSONL documents
    "$python" - "$1" "$2" <<'PY'
import json, sys
count, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as out:
    for i in range(count):
        text = f"Document {i} explains how the settings page stores a preference and what happens when it changes. " * 2
        out.write(json.dumps({"id": f"doc-{i:08d}", "text": text[:200]}) + "\n")
PY
}
