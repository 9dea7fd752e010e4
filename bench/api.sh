#!/usr/bin/env bash
# The API under load, on the embedded PostgreSQL (durable: fsync and synchronous commit on, as tradu starts it).
#
# 1. Pages at scale: an environment of BLOCKS one-document blocks (default 1,000,000), one of them with 5,000
#    events; each request asked 20 times through a live `tradu serve` with curl: the first blocks page, a page deep
#    in the keyset, filtered pages (a common state, a rare one, a language), a block with 5,000 events (one page of
#    them), the pipelines. Prints the median and the slowest.
# 2. The event stream's cost to the runtime: `tradu run` of RUN_BLOCKS one-document blocks (default 20,000, the
#    `pseudo` engine) with no client, with 100 clients following every transition through one `tradu serve`, and
#    with 100 clients of another pipeline; ROUNDS interleaved runs of each (default 3), medians. Every client's
#    stream is checked against block_events: each must hold every transition of its filter exactly once. Twice:
#    - separate cores: PostgreSQL and `tradu run` on CPU 0, `tradu serve` and its clients on CPU 1, as when the
#      API runs on its own machine: what is left is the server's cost through the database (its reader's queries);
#    - shared cores: everything on both CPUs, so the server's and the clients' CPU come out of the runtime's too.
#    Beside blocks/s, each run with clients reports the CPU time of tradu serve's PostgreSQL backends (its event
#    reader and its pool; /proc/PID/schedstat, nanoseconds) against the busy time of the runtime's CPUs over the run (/proc/stat), and
#    tradu serve's own CPU. With separate cores that share is what the stream takes from the runtime: the runtime's
#    CPU is saturated, so its throughput falls by the share of that CPU the reader takes. Throughput changes are
#    also given within each round (with clients against without), which cancels the machine's slow drifts. With
#    separate cores each round also runs a control: no server, but `dd` copying memory through the kernel on the
#    API's CPU, to tell what tradu's stream costs from what any busy neighbour on that CPU costs (the two vCPUs of a
#    virtual machine share more than their names say).
#
# Usage: bench/api.sh [path/to/tradu]   (BLOCKS=N RUN_BLOCKS=N ROUNDS=N to scale; SKIP_PAGES=1 for part 2 only,
#        MODES=pinned or MODES=shared for one of its two measurements; UNSAFE_FSYNC_OFF=1 runs PostgreSQL with
#        fsync off, to see the stream's CPU cost without the disk's noise, and labels every figure so; PERF_READER=FILE
#        records the event reader's backend with `perf record -g` during the runs with every transition)
source "$(dirname "$0")/common.sh"
blocks="${BLOCKS:-1000000}"
run_blocks="${RUN_BLOCKS:-20000}"
rounds="${ROUNDS:-3}"
embedded_database
durability="durable"
if [ -n "${UNSAFE_FSYNC_OFF:-}" ]; then
    # Isolates the stream's CPU cost from this machine's fsync noise (a run's blocks/s swings by a quarter with
    # it). Every figure is then labelled as measured with fsync off.
    printf "\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n" >> "$(psql_ "SHOW data_directory")/postgresql.conf"
    "$tradu" db down --log-level error > /dev/null
    url="$("$tradu" db up --log-level error | tail -1)"
    durability="UNSAFE: fsync off"
    echo "PostgreSQL runs with fsync off: every figure below is labelled UNSAFE (fsync off)."
fi

api_cpus=""
runtime_cpus=""
# The clients' streams go to memory, not to the disk PostgreSQL fsyncs its WAL to: 100 clients write about 2 GB
# a run, and their writeback would compete with the commits being measured.
streams="$(mktemp -d /dev/shm/tradu-api-bench-streams.XXXXXX)"
trap 'rm -rf "$streams"; cleanup' EXIT
pin_database() { # cpus: moves the embedded PostgreSQL (the postmaster, whose new backends inherit it, and its children)
    local postmaster
    postmaster="$(head -1 "$(psql_ "SHOW data_directory")/postmaster.pid")"
    for pid in "$postmaster" $(pgrep -P "$postmaster"); do taskset -p -c "$1" "$pid" > /dev/null; done
}
serve() { # env...: starts `tradu serve` for those environments, sets $api
    local args=()
    for env in "$@"; do args+=(-e "$env"); done
    # A build that does not name its sessions gets this name for all of them (libpq's PGAPPNAME).
    (cd "$work" && PGAPPNAME="tradu api" exec $api_cpus "$tradu" serve "${args[@]}" --public-read --addr 127.0.0.1:0 --log-level error > "$work/serve.out" 2>&1) &
    started $!
    for _ in $(seq 100); do grep -q "Serving the API" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
    api="$(grep -o 'http://[0-9.:]*' "$work/serve.out" | head -1)"
}
timing() { # label url: 20 requests, median and slowest in ms
    local times=()
    for _ in $(seq 20); do
        times+=("$(curl -s -o /dev/null -w '%{time_total}' "$1")")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk -v label="$2" '{ t[NR] = $1 * 1000 } END {
        printf "%-52s median %7.1f ms   slowest %7.1f ms\n", label, t[int((NR + 1) / 2)], t[NR] }'
}

if [ -z "${SKIP_PAGES:-}" ]; then
    # 1. Pages at scale.
    echo "apply of $blocks one-document blocks (this takes a while)..."
    short_documents "$blocks" "$work/manifests/data/large.jsonl"
    one_document_project large large.jsonl
    (cd "$work" && "$tradu" apply -e large --auto-approve --log-level error > "$work/apply.out" 2>&1) || {
        cat "$work/apply.out" >&2; exit 1; }
    schema=tradu_large
    busy="$(psql_ "SELECT id FROM $schema.blocks ORDER BY id LIMIT 1")"
    psql_ "INSERT INTO $schema.block_events (block_id, from_state, to_state, attempt, reason)
           SELECT '$busy', 'enqueued', 'in_process', g, 'bench' FROM generate_series(1, 5000) g"
    psql_ "UPDATE $schema.blocks SET state = 'failed', error_class = 'data', last_error = 'bench'
           WHERE id IN (SELECT id FROM $schema.blocks ORDER BY id DESC LIMIT 3)"
    psql_ "ANALYZE $schema.blocks; ANALYZE $schema.block_events"
    middle="$(psql_ "SELECT id FROM $schema.blocks ORDER BY id OFFSET $((blocks / 2)) LIMIT 1")"
    serve large
    base="$api/api/v1/environments/large"
    echo
    echo "API at $blocks blocks (embedded PostgreSQL, $durability; each request 20 times):"
    timing "$base/blocks?limit=100" "first blocks page (100)"
    timing "$base/blocks?limit=100&after=$middle" "a page in the middle of the keyset"
    timing "$base/blocks?limit=100&state=created&pipeline=docs" "filtered page: state=created, pipeline"
    timing "$base/blocks?limit=100&state=failed&errorClass=data" "filtered page: 3 failed blocks in $blocks"
    timing "$base/blocks?limit=100&language=fr&dataset=docs" "filtered page: language, dataset"
    timing "$base/blocks/$busy?eventLimit=500" "a block with 5,000 events (first 500)"
    timing "$base/blocks/$busy?eventLimit=500&eventsAfter=4000" "the same block, events after 4,000"
    timing "$base/pipelines" "pipelines (the controller's counts)"
    timing "$base/documents?id=doc-$(printf %08d $((blocks / 2)))" "a document-id lookup (its block and result)"
    timing "$base/documents?id=no-such-document" "a document-id lookup that finds nothing (404)"
    kill "${servers[-1]}" 2>/dev/null || true
fi

# 2. The event stream's cost to the runtime.
short_documents "$run_blocks" "$work/manifests/data/run.jsonl"
busy_jiffies() { # cpus (e.g. "0" or "0,1"): the busy time of those CPUs so far, in USER_HZ ticks (/proc/stat)
    awk -v cpus=",$1," '$1 ~ /^cpu[0-9]+$/ && index(cpus, "," substr($1, 4) ",") {
        busy += $2 + $3 + $4 + $7 + $8 + $9 } END { print busy }' /proc/stat
}
server_backends() { # the PostgreSQL backends of tradu serve: its event reader (`tradu events`) and its pool (`tradu api`)
    psql_ "SELECT pid FROM pg_stat_activity WHERE application_name IN ('tradu events', 'tradu api')" | tr '\n' ' '
}
cpu_ns() { # pids...: CPU time of single-threaded processes (PostgreSQL backends), summed, in ns (/proc/PID/schedstat)
    local total=0
    for pid in "$@"; do
        [ -r "/proc/$pid/schedstat" ] && total=$((total + $(cut -d' ' -f1 "/proc/$pid/schedstat")))
    done
    echo "$total"
}
process_ms() { # pid: CPU time of a process, all its threads, in milliseconds (/proc/PID/stat utime + stime)
    if [ -n "$1" ] && [ -r "/proc/$1/stat" ]; then
        awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) * 1000 / hz }' "/proc/$1/stat"
    else echo 0; fi
}
up() { # env clients [filter] [neighbour]: prints "blocks/s reader-CPU-ms runtime-CPUs-busy-ms serve-CPU-ms", checks the
    # streams; with `neighbour`, no server but a process copying memory through the kernel on the API's CPU for the
    # whole run (a control: what any busy neighbour on that CPU costs the runtime on this machine)
    local env="$1" clients="$2" filter="${3:-}" neighbour="${4:-}" burner=""
    one_document_project "$env" run.jsonl
    (cd "$work" && "$tradu" apply -e "$env" --auto-approve --log-level error > /dev/null 2>&1)
    local before
    before="$(psql_ "SELECT coalesce(max(id), 0) FROM tradu_${env//-/_}.block_events")"
    local pids=() backends="" serve_pid=""
    if [ "$clients" -gt 0 ]; then
        serve "$env"
        serve_pid="${servers[-1]}"
        for i in $(seq "$clients"); do
            $api_cpus curl -sN -o "$streams/sse-$env-$i.txt" "$api/api/v1/events?env=$env$filter" &
            pids+=($!)
        done
        sleep 2
        backends="$(server_backends)"
        [ -n "$backends" ] || echo "$env: tradu serve's PostgreSQL sessions were not found" >&2
        if [ -n "${PERF_READER:-}" ] && [ -z "$filter" ]; then
            # PERF_READER=FILE: a `perf record -g` of the event reader's backend during this run, for `perf report`.
            perf record -q -g -o "$PERF_READER" -p "$(psql_ "SELECT pid FROM pg_stat_activity
                WHERE application_name = 'tradu events'")" > /dev/null 2>&1 &
            perf_pid=$!
        fi
    fi
    if [ -n "$neighbour" ]; then
        $api_cpus dd if=/dev/zero of=/dev/null bs=64k 2> /dev/null &
        burner=$!
    fi
    local start end busy0 busy1 reader0 reader1=0 serve0 serve1=0
    busy0="$(busy_jiffies "$runtime_set")"
    # shellcheck disable=SC2086
    reader0="$(cpu_ns $backends)"
    serve0="$(process_ms "$serve_pid")"
    start="$(date +%s.%N)"
    (cd "$work" && $runtime_cpus "$tradu" run -e "$env" --log-level error > "$work/run-$env.out" 2>&1)
    end="$(date +%s.%N)"
    busy1="$(busy_jiffies "$runtime_set")"
    if [ -n "$burner" ]; then kill "$burner"; wait "$burner" 2> /dev/null || true; fi
    if [ "$clients" -gt 0 ]; then
        # Clients on a busy core may still be reading what the server sent: wait until every stream holds the
        # run's transitions, or none has grown for 10 s.
        local expected total last="" still=0
        expected="$(psql_ "SELECT count(*) FROM tradu_${env//-/_}.block_events WHERE id > $before")"
        [ -n "$filter" ] && expected=0
        while [ "$still" -lt 10 ]; do
            total="$(cat "$streams"/sse-"$env"-*.txt | grep -c '^id: ' || true)"
            [ "$total" -ge $((expected * clients)) ] && break
            if [ "$total" = "$last" ]; then still=$((still + 1)); else still=0; fi
            last="$total"
            sleep 1
        done
        # The reader reads the run's last events after the run ends: its CPU is taken once it has (a few idle reads
        # included, which makes the figure an upper bound).
        sleep 2
        # shellcheck disable=SC2086
        reader1="$(cpu_ns $backends)"
        if [ -n "${perf_pid:-}" ]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; perf_pid=""; fi
        serve1="$(process_ms "$serve_pid")"
        kill -9 "${pids[@]}" 2>/dev/null || true
        wait "${pids[@]}" 2>/dev/null || true
        kill "${servers[-1]}" 2>/dev/null || true
        local complete=0
        for i in $(seq "$clients"); do
            local seen unique
            seen="$(grep -c '^id: ' "$streams/sse-$env-$i.txt" || true)"
            unique="$(grep '^id: ' "$streams/sse-$env-$i.txt" | sort -u | wc -l)"
            [ "$seen" -eq "$expected" ] && [ "$unique" -eq "$expected" ] && complete=$((complete + 1))
        done
        echo "$env: $complete of $clients clients saw all $expected transitions exactly once" >&2
        rm -f "$streams"/sse-"$env"-*.txt
    fi
    awk -v n="$run_blocks" -v s="$start" -v e="$end" -v r0="$reader0" -v r1="$reader1" -v b0="$busy0" -v b1="$busy1" \
        -v hz="$(getconf CLK_TCK)" -v s0="$serve0" -v s1="$serve1" \
        'BEGIN { printf "%.0f %.1f %.0f %.0f\n", n / (e - s), (r1 - r0) / 1e6, (b1 - b0) * 1000 / hz, s1 - s0 }'
}
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
change() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f%%", (b - a) * 100 / a }'; }
field() { echo "$1" | cut -d' ' -f"$2"; }
measure() { # tag label
    local without=() with=() idle=() paired=() paired_idle=() share=() share_idle=() reader=() serve_ms=() tag="$1"
    local neighbour=() paired_neighbour=()
    shift
    for round in $(seq "$rounds"); do
        local a b c
        a="$(up "quiet$tag$round" 0)"
        b="$(up "watched$tag$round" 100)"
        c="$(up "idle$tag$round" 100 "&pipeline=elsewhere")"
        local d=""
        [ -n "$api_cpus" ] && d="$(up "busy$tag$round" 0 "" neighbour)"
        echo "round $round ($1): no client $(field "$a" 1) blocks/s; every transition $(field "$b" 1) blocks/s, reader $(field "$b" 2) ms CPU of $(field "$b" 3) ms busy on the runtime's CPUs, serve $(field "$b" 4) ms; another pipeline $(field "$c" 1) blocks/s, reader $(field "$c" 2) ms" >&2
        without+=("$(field "$a" 1)")
        with+=("$(field "$b" 1)")
        idle+=("$(field "$c" 1)")
        paired+=("$(awk -v a="$(field "$a" 1)" -v b="$(field "$b" 1)" 'BEGIN { printf "%.2f", (b - a) * 100 / a }')")
        paired_idle+=("$(awk -v a="$(field "$a" 1)" -v b="$(field "$c" 1)" 'BEGIN { printf "%.2f", (b - a) * 100 / a }')")
        share+=("$(awk -v r="$(field "$b" 2)" -v t="$(field "$b" 3)" 'BEGIN { printf "%.3f", (t > 0 ? r * 100 / t : 0) }')")
        share_idle+=("$(awk -v r="$(field "$c" 2)" -v t="$(field "$c" 3)" 'BEGIN { printf "%.3f", (t > 0 ? r * 100 / t : 0) }')")
        [ -n "$d" ] && neighbour+=("$(field "$d" 1)") && paired_neighbour+=("$(awk -v a="$(field "$a" 1)" -v b="$(field "$d" 1)" 'BEGIN { printf "%.2f", (b - a) * 100 / a }')")
        reader+=("$(field "$b" 2)")
        serve_ms+=("$(field "$b" 4)")
    done
    echo
    echo "tradu run of $run_blocks one-document blocks, $1 (pseudo engine, embedded PostgreSQL, $durability), blocks/s:"
    echo "  no client:                       ${without[*]}   median $(median "${without[@]}")"
    echo "  100 clients on /api/v1/events:   ${with[*]}   median $(median "${with[@]}")"
    echo "  100 clients of another pipeline: ${idle[*]}   median $(median "${idle[@]}")"
    echo "  change of the medians: every transition $(change "$(median "${without[@]}")" "$(median "${with[@]}")"), another pipeline $(change "$(median "${without[@]}")" "$(median "${idle[@]}")")"
    echo "  change within each round (%), every transition: ${paired[*]}   median $(median "${paired[@]}")"
    echo "  change within each round (%), another pipeline: ${paired_idle[*]}   median $(median "${paired_idle[@]}")"
    if [ "${#neighbour[@]}" -gt 0 ]; then
        echo "  no client, a busy neighbour on the API's CPU (control): ${neighbour[*]}   median $(median "${neighbour[@]}")"
        echo "  change within each round (%), busy neighbour: ${paired_neighbour[*]}   median $(median "${paired_neighbour[@]}")"
    fi
    echo "  tradu serve's PostgreSQL backends (the event reader), CPU (ms) per run: ${reader[*]}   median $(median "${reader[@]}")"
    echo "  ... as a share of the runtime's CPUs' busy time (%), every transition: ${share[*]}   median $(median "${share[@]}")"
    echo "  ... another pipeline: ${share_idle[*]}   median $(median "${share_idle[@]}")"
    echo "  tradu serve's own CPU (ms) per run, every transition (on $([ -n "$api_cpus" ] && echo "its own CPU" || echo "the shared CPUs")): ${serve_ms[*]}   median $(median "${serve_ms[@]}")"
}
for mode in ${MODES:-pinned shared}; do
    if [ "$mode" = pinned ]; then
        runtime_cpus="taskset -c 0"
        runtime_set="0"
        api_cpus="taskset -c 1"
        pin_database 0
        measure pinned "separate cores (PostgreSQL and the runtime on CPU 0, serve and clients on CPU 1)"
    else
        runtime_cpus=""
        runtime_set="0,1"
        api_cpus=""
        pin_database 0,1
        measure shared "shared cores (everything on both CPUs)"
    fi
done
