"""Write docs/benchmarks.md from bench/results/*.json, with the machine, versions and date."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.result_files import load, measured
from service.config import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "benchmarks.md"


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.machine(),
    )
    mem = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores ({cpu}), {mem / 1024 / 1024:.0f} GiB, {system}"


def engine_section(data: dict[str, Any]) -> list[str]:
    lines = [
        "## Engine: durable-rules against plain Python",
        "",
        f"`python -m bench.engine_bench` - {data['comparisons']} unique comparisons (bench/workload.py), "
        "each evaluated by durable-rules and by the plain-Python evaluator (bench/pyeval.py) on the same "
        "rule files and the same actions. Rules x5 and x10 add generated rules that never fire. "
        + measured(data),
        "",
        "| rules | durable-rules eval/s | p50 us | p99 us | plain Python eval/s | p50 us | p99 us "
        "| durable / Python |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for result in data["results"].values():
        d, p = result["durable_rules"], result["plain_python"]
        lines.append(
            f"| {result['rules']} | {d['per_second']} | {d['p50_us']} | {d['p99_us']} | {p['per_second']} "
            f"| {p['p50_us']} | {p['p99_us']} | {result['throughput_ratio_engine_to_python']} |"
        )
    return [*lines, ""]


def production_section(store: dict[str, Any]) -> list[str]:
    """The configuration every deployment runs (decision store on), against the store off."""
    best, ratio, half = store["max_rps"], store["ratio_to_store_off"], store["half_load"]
    lines = [
        "## Production configuration: POST /v1/recommendations with the decision store on",
        "",
        f"`python -m bench.store_bench` - {store['tool']}; {store['connections']} connections, "
        f"{store['duration_s']} s per run, the same 2,000 different comparisons for each server, "
        f"{len(store['rounds'])} rounds alternating between the three servers; the table shows each "
        "server's best round. The ratio to store off is the median of the ratios within each round (the "
        "three servers ran one after another in it); the ratio of the best rounds is given beside it. "
        "Every decision is committed (group commit: SQLite synchronous=FULL, PostgreSQL a flushed commit) "
        "before its answer is sent. Store off keeps no audit trail: no deployment runs it; it is the floor "
        "the store is measured against. Half load: half that server's best rate, requests started at "
        "evenly spaced times whatever the answers do (bench/constant_rate.py), each timed from when it was "
        "due. " + measured(store),
        "",
        "| decision store | requests/s | ratio to store off | p50 ms | p99 ms | server CPU per request, us "
        "(event loops + other threads) | database CPU per request, us | p99 at half load, ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, label in (("sqlite", "SQLite (the default)"), ("postgresql", "PostgreSQL"), ("off", "off")):
        top = max((r[name] for r in store["rounds"]), key=lambda r: r["requests_per_second"])
        lines.append(
            f"| {label} | {best[name]} | {ratio.get(name, 1.0)} | {top['p50_ms']} | {top['p99_ms']} "
            f"| {server_cpu(top)} | {top.get('database_cpu_us_per_request', '-')} | {half[name]['p99_ms']} "
            f"({half[name]['target_rate']}/s offered) |"
        )
    rounds = store.get("ratio_in_each_round", {})
    best_rounds = store.get("ratio_of_best_rounds", {})
    lines += [
        "",
        "- Store-on throughput against store off (goal: at least 0.8 on both), median of the rounds: "
        f"SQLite **{ratio['sqlite']}** (rounds: {rounds.get('sqlite', '-')}; best rounds: "
        f"{best_rounds.get('sqlite', '-')}), PostgreSQL **{ratio['postgresql']}** (rounds: "
        f"{rounds.get('postgresql', '-')}; best rounds: {best_rounds.get('postgresql', '-')}).",
        f"- p99 at half load on SQLite (goal: under 10 ms): **{half['sqlite']['p99_ms']} ms** (p50 "
        f"{half['sqlite']['p50_ms']} ms; store off at its own half load: p99 {half['off']['p99_ms']} ms).",
        "- CPU per request, in the best round: the server's processes (each worker's main thread runs its "
        "event loop: the rules engine, validation, the decision's rows; the other threads are mostly the "
        "decision writer), and for PostgreSQL the local server's own processes, which share the same 2 "
        "cores (SQLite's work is done in the writer thread).",
        "- Load average of the machine before each round (the load generators share its 2 cores): "
        + "; ".join(r["load_average_before"] for r in store["rounds"])
        + ".",
        "",
    ]
    if history := load("store-history.json"):
        lines += store_history(history)
    return lines


def server_cpu(run: dict[str, Any]) -> str:
    """A run's server CPU per request, with its split by thread where the run recorded one."""
    total = run.get("server_cpu_us_per_request", "-")
    split = run.get("server_cpu_us_per_request_by_thread")
    return f"{total} ({split['main']} + {split['other']})" if split else str(total)


def store_history(history: dict[str, Any]) -> list[str]:
    """The store path before and after a change, each pair measured back to back in one window of time
    (bench/results/store-history.json, kept by hand from store.json and batch.json of each run)."""
    lines = [
        "### Store path, before and after cutting its costs",
        "",
        "Each pair ran back to back (`python -m bench.store_bench --duration 10`, then "
        "`python -m bench.batch_bench`), the old commit from a copy of its tree, so both saw the same "
        "machine; the load average is the 1-minute one before and after. A busy machine lowers the ratios: "
        "compare within a pair, not across pairs. Every row was measured on the earlier machine (2 cores of "
        "an AMD EPYC), with the ratio of the best rounds and hey for half load (see below).",
        "",
        "What changed this session (86e09ee to c631d91), each measured first in process or with one "
        "change at a time: (1) the event loop wakes the writer once per pass, not once per request "
        "(service/decisions/group_commit.py): each wake-up took the GIL from the loop at once, a context "
        "switch and a hand-over per request, and left groups of one or two; with the store writing "
        "nothing at all, this path alone had cut throughput from 1,719 to 1,035 req/s, and one wake-up "
        "per pass gave 1,689. (2) Decision ids are time-ordered (UUIDv7) and the index on "
        "decision_steps.code is gone (migration 0006): new index entries land at the end, so a commit of "
        "six decisions writes 40 SQLite pages instead of 76. (3) The writer's INSERTs go straight to the "
        "driver (psycopg's RawCursor with $n placeholders): SQLAlchemy's per-statement work and "
        "psycopg's parsing of long statements were most of the writer's CPU on PostgreSQL (120 to 50 us "
        "per decision). (4) PostgreSQL compresses answers with lz4, not pglz: the server's CPU per "
        "decision about 215 to 115-170 us. (5) On SQLite a writer takes the file's turn before "
        "claiming its group, and the GIL changes hands within 50 us while it has work: it held the "
        "lock 3.9 ms at the median for 0.5 ms of work, waiting for the GIL while the other workers' "
        "writers waited for it.",
        "",
        "| run | load average | off req/s | SQLite req/s (ratio) | PostgreSQL req/s (ratio) "
        "| SQLite CPU us/req | PostgreSQL CPU us/req | off CPU us/req | SQLite p99 at half load, ms "
        "| batch of 1,000, ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, h in history.items():
        lines.append(
            f"| {label} | {h['load_average']} | {h['off_rps']} | {h['sqlite_rps']} ({h['sqlite_ratio']}) "
            f"| {h['postgresql_rps']} ({h['postgresql_ratio']}) | {h['sqlite_cpu_us']} "
            f"| {h['postgresql_cpu_us']} | {h['off_cpu_us']} | {h['sqlite_p99_half_load_ms']} "
            f"| {h['batch_1000_ms']} |"
        )
    return [
        *lines,
        "",
        "Still missed after those changes: the store cost about 290 us of CPU per request on SQLite and "
        "210 us in the workers on PostgreSQL (plus the PostgreSQL server's, on the same 2 cores), where "
        "0.8 needs under about 230 us in all. The batch of 1,000 items fell from 768 to 533 ms.",
        "",
        "Measured again from 2026-11-27 21:00 UTC on another machine of the same size: 2 cores of an Intel "
        "Xeon at 2.1 GHz, which takes about 2.7 times the CPU per request (store off: 2,400-3,300 us against "
        "905), and whose speed drifts by a fifth from one minute to the next (store off: 570-953 req/s "
        "within the hour). The store path is the code of c631d91; what changed is how it is measured and "
        "the collection after a batch:",
        "",
        "- Half load came from hey until then. hey gives each of its workers a ticker of its own and "
        "starts them together, so requests left in bursts as large as the worker count (16 at once every "
        "21 ms at 768/s), and the p99 was the burst's. Alternating the two at 300 requests/s on this "
        "machine, two rounds: store off p50 20.5-21.3 ms and p99 41-44 ms with hey, 3.4-3.8 ms and 10-20 ms "
        "with evenly spaced requests (bench/constant_rate.py); SQLite 39-53 ms and 72-93 ms with hey, "
        "5.0-5.7 ms and 20-28 ms evenly spaced.",
        "- The ratio to store off is now the median of the ratios within each round: with the machine's "
        "drift, the best rounds of two servers can come from different minutes. Both are in the table "
        "above.",
        "- Where a decision's time goes at 300 requests/s on SQLite (clocks in the writer and on the event "
        "loop, 4,000 requests): from being queued to the writer's wake-up p50 0.09 ms, p99 3.1 ms; the "
        "commit (a group of one, its fsync about 0.09 ms) p50 0.57 ms, p99 4.4 ms; back to the waiting "
        "request p50 0.05 ms, p99 4.6 ms; in all p50 0.75 ms, p99 8.3 ms. Each p99 is one request's rules: "
        "the event loop runs them (about 2.5 ms of CPU here) in one go, and the writer's wake-up and the "
        "hand-back wait for them. Waking an idle writer at once, instead of at the end of the loop's pass, "
        "did not shorten this and cost throughput (0.69-0.95 of the current code in six paired rounds), "
        "so it was not kept.",
        "- In process on this machine: a decision's rows cost 71 us on the event loop (its card uuids 28 us "
        "of that, mostly building uuid objects), and the SQLite writer 119 us of CPU per decision in "
        "groups of four (the commit 117 us of wall time per decision). The next lever remains one writer "
        "process for all workers on SQLite (no file lock, larger groups, its own GIL); it changes how a "
        "request's time limit cancels a decision that waits for the writer.",
        "- Batch: the rules alone take about 1.5 ms per item here in process (RuleBook.recommend), so a "
        "batch of 1,000 takes 1.1-1.6 s on this machine and 0.5 s cannot be reached on it. After each "
        "batch two garbage collections ran on the event loop and found nothing: 17-31 ms and 10-18 ms. "
        "Now one young collection runs, in 0.2 ms (service/web/heap.py).",
        "",
        "Measured again on 2026-11-28 on a third machine of the same size (2 cores of an Intel Xeon at "
        "2.3 GHz; store off 915-1,020 req/s). The production table now splits each server's CPU between "
        "its event loops and its other threads, and adds the local PostgreSQL server's own CPU:",
        "",
        "- Over store off, per request, in four rounds: SQLite costs 220-790 us more on the event loops "
        "and 207-240 us in the writer; PostgreSQL 210-620 us more on the event loops, 135-176 us in the "
        "writer and 295-363 us in the PostgreSQL server. At 1,960 us for store off, 0.8 allows about 490 "
        "us in all. In process (`DecisionLog` on a fresh database, groups of five, three pairs), the "
        "PostgreSQL server spent 260-360 us per decision, and 35-85 us less without the foreign key from "
        "decision_steps to decisions (one check per step row); dropping the decisions table's three "
        "secondary indexes, or the card index, was within the noise. The foreign key stays: it keeps a step "
        "from pointing at a decision that is not there, whatever program writes to the database.",
        "- The SQLite writer in process (`DecisionLog` on a fresh file, 2,000 decisions): 391 us of CPU "
        "per decision in groups of one, 243 in groups of two, 105 in groups of eight. A commit costs about "
        "220 us whatever it holds, 150 us of it the kernel's work for the fsync that synchronous=FULL asks "
        "for (178 us per decision in groups of one with synchronous=NORMAL, which is not an option). "
        "Dropping any one index changed nothing measurable. Groups hold about 5 decisions at full load and "
        "1.05 at half load.",
        "- A writer process per worker, tried and not kept (rows sent over a socket pair, one reply per "
        "group, the event loop woken by the reply): 629-638 req/s against 800-820 with the writer thread. "
        "With a core of its own the writer never waited long enough to gather a group: 468-520 us of CPU "
        "per decision in it, and 380 us more on the event loop. Taking the writer out of the GIL is not "
        "enough; the next attempt must gather larger groups on purpose (one writer for all workers, fed "
        "once per event-loop pass).",
        "- Half load on SQLite, about 50 runs of 10 s at 400 requests/s: p99 12-40 ms in most, 50-125 ms "
        "in about one run in five. No single stall makes it: with clocks in the workers, the event loop "
        "never answered a ping more than 40 ms late during these runs, no commit waited more than 50 ms, "
        "the writer's longest turn (wait plus hold) was 16-29 ms and the longest full collection 5-9 ms, "
        "and the two workers took 160-240 requests a second each. The slow requests are slow inside the "
        "server (its own clock, from the outermost middleware) and spread over whole seconds: requests "
        "queue on a worker's event loop, which runs one request's rules at a time (about 1 ms in one "
        "go), while both workers, their writers and the load generator share 2 cores. Store off, with "
        "less CPU per request and no writer, has p99 6.5-12 ms at its own half load.",
        "- The rendered step text was keeping its own copy of every link for each combination of cancer "
        "types (53,505 objects for the collector to walk after the benchmark's comparisons in both "
        "languages). One shared object per link: 15,615 objects, a full collection 0.9 ms instead of 8.7 in "
        "process, and in a worker at half load the longest full collection 8 ms instead of 21.",
        "- Batch: RuleBook.recommend alone takes 0.84 ms per item in process here, so a batch of 1,000 "
        "(1,044-1,200 ms) cannot reach 0.5 s on this machine either.",
        "",
        "Measured again on 2026-11-28 from 02:00 UTC on a machine like the last one, whose speed fell by "
        "a third during the session (store off: 950-980 req/s and 1,940-2,000 us per request at first, "
        "550-830 req/s and 2,260-3,260 us later). Three changes, each measured on its own first:",
        "",
        "- Where a worker's time goes, sampled with py-spy (--native, 250 Hz, 12 s under wrk) with the "
        "store off and on SQLite, against the time in the rules engine: the decision's rows about 160 us "
        "per request on the event loop, and the collector's young passes, which store off hardly runs. In "
        "the SQLite writer, the commit is two thirds of its samples: writing the WAL a fifth, checkpoints "
        "another fifth. In process, a decision's answer (12.3 KB of JSON at the median) costs the writer "
        "about 40 us and its ten step rows about 35 us (groups of ten, the rows left out one at a time).",
        "- Card uuids are no longer stored (migration 0007): a card is derived from the decision id and "
        "the step code, and begins with the decision's time, so CDS Hooks feedback finds it among the "
        "steps of that millisecond's decisions. Each decision so skips a uuid per step on the event loop "
        "and an index entry per step in the commit. Two pairs of runs (`python -m bench.store_bench "
        "--duration 10 --rounds 3`, alternating with the code before): SQLite 0.745 and 0.766 of store off "
        "before, 0.783 and 0.801 after; PostgreSQL 0.66 and 0.743 before, 0.721 and 0.723 after; the "
        "PostgreSQL server's CPU per decision 285-359 us before, 260-295 after.",
        "- A decision's step rows convert its id to the driver's form once, not once per step: the rows "
        "beyond the answer's JSON cost 49-59 us on the event loop before, 32-47 us after (in process, "
        "three alternations).",
        "- The collector: counted with gc.callbacks in both workers under wrk, SQLite ran 87-92 young "
        "passes per 1,000 requests, 8 of the middle generation and one full one, 75-95 us per request on "
        "the event loop, and none freed anything; store off ran 1.6 young passes per 1,000 requests. A "
        "request with the store on waits for its commit, so the objects of a worker's requests in flight "
        "come and go in bursts, and the collector's count of new objects reaches its threshold (2,000) "
        "every few requests. At 10,000 (service/server.py): 0.6 young passes per 1,000 requests and 1.6 us "
        "per request; in five pairs of adjacent runs the event loops' CPU per request fell in four, by "
        "100-270 us.",
        "- A request is serialised for the decision log only when the log reads it (to keep it, or with an "
        "Idempotency-Key): with the default DECISION_REQUEST_STORAGE=none it never did, and the work cost "
        "9.6 us per request in process (service/answering.py).",
        "- All of this session's changes together, alternating with the code before them (55d814c) in the "
        "order before, after, after, before (`python -m bench.store_bench --duration 10 --rounds 3` each, "
        "03:00-03:10 UTC): SQLite 0.764 and 0.76 of store off before, 0.85 and 0.821 after; PostgreSQL "
        "0.769 and 0.706 before, 0.725 and 0.775 after (best rounds 0.892 and 0.801). In the second pair, "
        "whose store off ran at 930-970 req/s in both: the SQLite server's CPU per request over store off "
        "596-715 us before, 379-507 after; PostgreSQL's workers 494-1,376 before (one slow round) and "
        "262-452 after, its server 276-345 before and 242-286 after. SQLite's p99 at half load: 20.1 and "
        "56.4 ms before, 17.9 and 47.7 after.",
        "- Tried and not kept: the SQLite writer waiting 0.5 or 1 ms for a group of 6 or 8 to gather "
        "(0.717-0.788 of store off, against 0.762-0.798 without, in the same three rounds); and on "
        "PostgreSQL, sending a group's statements in one pipeline (psycopg), which saved no CPU in the "
        "worker in process (98-130 against 110-121 us per decision, groups of five). Store on, "
        "`perf stat` counts 5.4-6.4 context switches per request in the server against 1.7 with store "
        "off: the writer's hand-overs of the GIL, its wake-ups, and the file lock.",
        "- The next lever on both stores: a decision's steps as one value in its own row instead of ten "
        "rows (on SQLite, in process, 35 us less in the writer and about 15 us less on the event loop per "
        "decision; on PostgreSQL also ten foreign-key checks and ten index entries less). It changes every "
        "query that reads steps (the code filter, the report, feedback) and needs a migration that moves "
        "the rows already stored.",
        "",
        "Measured again on 2026-11-28 from 05:00 UTC, on 2 cores of an AMD EPYC (store off 895-1,076 "
        "req/s from one minute to the next, and 1,440-2,240 us of CPU per request):",
        "",
        "- A decision's steps are one value in its own row (migration 0008: `decisions.steps`, a JSON "
        "list), not ten rows of decision_steps, each with its primary-key entry and, on PostgreSQL, its "
        "foreign-key check. The code filter searches that text, and the report counts ranks and rules "
        "from it. In process, alternating with the code before (2,000 decisions in groups of six, three "
        "pairs): the PostgreSQL server's CPU per decision 170-230 us before, 100-130 after; the decision's "
        "row on the request's thread 54-55 us before, 48-50 after. Under load, four runs of each in the "
        "order before, after, after, before, twice (`python -m bench.store_bench --duration 10 --rounds "
        "3`, 05:22-05:47 UTC): the PostgreSQL server's CPU per request 192-247 us before and 130-161 "
        "after (second series). The throughput ratios moved less than the machine did: SQLite 0.787-0.883 "
        "of store off before (median 0.823), 0.744-0.871 after (0.817); PostgreSQL 0.732-0.813 before "
        "(0.762), 0.724-0.868 after (0.78).",
        "- Two runs of `python -m bench.store_bench` with its defaults (4 rounds) on this code: at 06:06 "
        "UTC SQLite 0.9 and PostgreSQL 0.831 of store off (median of the rounds), in rounds whose store "
        "off went from 656 to 1,257 req/s, so its half load (628.7/s) overran the slower minutes (p99 626 "
        "ms); at 06:16 UTC 0.814 and 0.81, the run shown above. PostgreSQL's own CPU per request in "
        "these eight rounds: 137-195 us.",
        "",
    ]


def main() -> None:
    out = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (bench/report.py) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, from "
        "bench/results/; each section says when it was measured.",
        "",
        f"- Machine: {machine()}",
        f"- Report written with Python {platform.python_version()}; "
        f"durable-rules {version('durable-rules')}, "
        f"fastapi {version('fastapi')}, uvicorn {version('uvicorn')}, pydantic {version('pydantic')}",
        "- The load generators run on the same 2 cores as the server, so HTTP numbers are a lower bound.",
        "",
    ]
    if store := load("store.json"):
        out += production_section(store)
    if engine := load("engine-current.json"):
        out += engine_section(engine)
    instructions = load("engine-instructions.json") or {}
    if current := load("engine-instructions-current.json"):
        instructions["now (make bench)"] = current["instructions_per_evaluation"]
    if instructions:
        out += [
            "### Engine path, before and after cutting our own overhead",
            "",
            "`bench/engine_instructions.sh` counts instructions per evaluation with callgrind "
            "(repeatable on a busy machine). What changed, first: facts produced by rule actions "
            "are asserted in one batch per firing round instead of one call per fact, facts are "
            "deduplicated per session, and the first phase fact travels with the input facts. "
            "Then: the adapter drives durable-rules' C core itself instead of its Python Host "
            "(which built a closure, read the clock and JSON-encoded the session state on every "
            "firing), and encodes facts and parses the engine's messages with pydantic-core.",
            "",
            "| | instructions per evaluation |",
            "|---|---|",
            *(f"| {k} | {v:,} |" for k, v in instructions.items()),
            "",
        ]
    if http := load("http.json"):
        half = http["half_load"]
        out += [
            "## Engine against its floor: POST /v1/recommendations (store off) against POST /bench/floor",
            "",
            f"`python -m bench.http_bench` - {http['tool']}; {http['connections']} connections, "
            f"{http['duration_s']} s per run, two alternating rounds, best of each. The floor "
            "(POST /bench/floor) validates the same body and answers a fixed answer of the same size. "
            "Server CPU is the user and system time of the server's processes (/proc) over the run, "
            "divided by the requests answered: it does not count wrk's share of the cores. " + measured(http),
            "",
            "| endpoint | requests/s | p50 ms | p99 ms | server CPU per request, us |",
            "|---|---|---|---|---|",
        ]
        for i, round_ in enumerate(http["rounds"], 1):
            for name in ("floor", "recommendations"):
                r = round_[name]
                out.append(
                    f"| {name} (round {i}) | {r['requests_per_second']} | {r['p50_ms']} | {r['p99_ms']} "
                    f"| {r.get('server_cpu_us_per_request', '-')} |"
                )
        out += [
            "",
            f"- Throughput ratio to the floor: **{http['ratio_to_floor']}** (goal: at least 0.6).",
            f"- At half the maximum ({half['target_rate']} requests/s offered, evenly spaced, "
            "bench/constant_rate.py): "
            f"p50 {half['p50_ms']} ms, **p99 {half['p99_ms']} ms** (goal: under 10 ms); "
            f"statuses {half['statuses']}.",
            "",
        ]
        history = load("http-history.json") or {}
        if history:
            now = {
                "floor_rps": http["max_rps_floor"],
                "recommendations_rps": http["max_rps_recommendations"],
                "ratio": http["ratio_to_floor"],
                "p99_half_load_ms": half["p99_ms"],
            }
            out += [
                "Over time (what changed is in `docs/engine.md` and the commit messages; the earlier rows' "
                "p99 came from hey, whose bursts raised it, and the machines differ):",
                "",
                "| | floor requests/s | recommendations requests/s | ratio | p99 at half load, ms |",
                "|---|---|---|---|---|",
                *(
                    f"| {label} | {h['floor_rps']} | {h['recommendations_rps']} | {h['ratio']} "
                    f"| {h['p99_half_load_ms']} |"
                    for label, h in {**history, "this run (make bench)": now}.items()
                ),
                "",
            ]
    if batch := load("batch.json"):
        out += [
            "## Batch: POST /v1/recommendations:batch, decision store on (SQLite)",
            "",
            "`python -m bench.batch_bench` - every answered item is committed as a decision before the "
            "batch is answered. Goal: 1,000 items in under 0.5 s. " + measured(batch),
            "",
            "| items | median ms | ms per item | items/s |",
            "|---|---|---|---|",
        ]
        out += [
            f"| {r['items']} | {r['median_ms']} | {r['per_item_ms']} | {r['items_per_second']} |"
            for r in batch["results"]
        ]
        out.append("")
    if soak := load("soak.json"):
        out += [
            "## Soak",
            "",
            f"`python -m bench.soak` - {measured(soak)} "
            f"{soak['requests']:,} requests ({soak['failed']} failed) against one "
            f"server; RSS of all its processes after warm-up {soak['rss_after_warm_up_mb']} MB, at the end "
            f"{soak['rss_at_end_mb']} MB: growth **{soak['growth_mb']} MB** (goal: under 5 MB).",
            "",
            "| seconds | requests | RSS MB |",
            "|---|---|---|",
            *(f"| {s['t']} | {s['requests']} | {s['rss_mb']:.2f} |" for s in soak["samples"]),
            "",
        ]
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text("\n".join(out))
    print(f"wrote {DOC.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
