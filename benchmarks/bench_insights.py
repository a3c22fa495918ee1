"""Batch matching and insights at scale: 100,000 intakes on one machine.

Generates N varied intakes from the 122 bundled ones, then times, as separate processes:

1. ``recommender match --workers W`` (the batch command, progress bar off);
2. ``recommender insights --results`` (the insights on that output, no matching again);
3. ``recommender insights --workers W`` (the insights matching the intakes themselves);
4. with ``--store``: the matches saved as a tenant's (SQLite) and ``recommender insights --tenant``.

For each it prints the wall time, intakes/s and the peak resident memory of the whole
process tree (the command and its workers, sampled every 0.2 s) and of its largest process.
Run it at two sizes (``--sizes 10000,100000``) to see that memory does not grow with the
input. A benchmark, not a test: the exit code is 0 whatever the figures.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_insights.py --sizes 10000,100000 --workers 2 --store
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recommender.gazetteer import default_gazetteer  # noqa: E402
from recommender.paths import FIXTURES_DIR  # noqa: E402

AS_OF = "2026-11-22"
RECOMMENDER = str(ROOT / ".venv" / "bin" / "recommender")


def generate(n: int, path: Path, seed: int = 7) -> None:
    """N intakes: each a bundled one moved to another comune of its province (bigger comuni
    more often), its household's ages shifted and members sometimes added or dropped, and
    a unique reference appended to its notes (no encoder cache sees a note twice)."""
    rng = random.Random(seed)
    gaz = default_gazetteer()
    base = [json.loads(line) for line in (FIXTURES_DIR / "intakes.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    comuni: dict[str, tuple[list[str], list[float]]] = {}
    for c in gaz.by_code.values():
        if c.province_abbr in ("BG", "VA", "PD"):
            codes, weights = comuni.setdefault(c.province_abbr, ([], []))
            codes.append(c.istat_code)
            weights.append(math.sqrt(c.population or 100))
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            src = base[i % len(base)]
            obj = dict(src)
            province = {"BG": "BG", "VA": "VA", "PD": "PD"}[src["id"][:2]]
            codes, weights = comuni[province]
            obj["id"] = f"{src['id']}-{i:06d}"
            obj["comune"] = rng.choices(codes, weights)[0]
            obj["notes"] = (src.get("notes") or "") + f" Rif. B{i:06d}."
            if src.get("household"):
                members = [dict(m, age=min(120, max(0, m["age"] + rng.randint(-3, 3)))) for m in src["household"]]
                r = rng.random()
                if r < 0.1 and len(members) > 1:
                    members.pop(rng.randrange(1, len(members)))
                elif r < 0.2:
                    members.append({"relation": "child", "age": rng.randint(0, 17)})
                obj["household"] = members
            fh.write(json.dumps(obj, ensure_ascii=False) + "\n")


def run(cmd: list[str], env: dict) -> dict:
    """Run a command, sampling the RSS of its process tree; wall time and peaks."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_total = peak_single = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_total, peak_single
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
                rss = [p.memory_info().rss for p in procs if p.is_running()]
            except psutil.Error:
                rss = []
            if rss:
                peak_total, peak_single = max(peak_total, sum(rss)), max(peak_single, max(rss))
            done.wait(0.2)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, err = proc.communicate()
    done.set()
    t.join()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
    return {"wall_s": wall, "peak_rss_mb": peak_total / 2**20, "peak_single_mb": peak_single / 2**20, "stderr": err}


def store_matches(results: Path, intakes: Path, db_url: str) -> float:
    """The matches saved as tenant 'bench' through the store's save path (with profiles)."""
    from datetime import date

    from recommender.catalogue import load_catalogue
    from recommender.insights.records import profile_of
    from recommender.intake import parse_intake
    from recommender.store import tenants
    from recommender.store.catalogues import save_catalogue
    from recommender.store.database import connect, upgrade
    from recommender.store.matches import NewMatch, save_matches

    t0 = time.perf_counter()
    db = connect(db_url)
    upgrade(db)
    t = tenants.create_tenant(db, "bench")
    text = (FIXTURES_DIR / "catalogue.csv").read_text(encoding="utf-8")
    cat = save_catalogue(db, t, text, len(load_catalogue(FIXTURES_DIR / "catalogue.csv")))
    t = tenants.get_tenant(db, "bench")
    provinces = frozenset({"BG", "VA", "PD"})
    batch = []
    with open(intakes, encoding="utf-8") as fi, open(results, encoding="utf-8") as fr:
        for raw, res_line in zip(fi, fr):
            intake = parse_intake(json.loads(raw), prefer_provinces=provinces)
            res = json.loads(res_line)
            batch.append(NewMatch(intake.id, intake.comune.istat_code, date.fromisoformat(AS_OF), 12, res["needs"], res["results"],
                                  profile=profile_of(intake).to_json()))
            if len(batch) == 2000:
                save_matches(db, t, cat.id, batch)
                batch = []
    if batch:
        save_matches(db, t, cat.id, batch)
    db.dispose()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated numbers of intakes")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--encoder", default="default")
    ap.add_argument("--store", action="store_true", help="also save the matches as a tenant's and run insights --tenant")
    ap.add_argument("--skip-rematch", action="store_true", help="skip `insights --workers` (it matches everything again)")
    ap.add_argument("--keep", help="directory to keep the generated files and outputs in")
    args = ap.parse_args()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "WELFARE_MATCH_ENCODER": args.encoder}
    work = Path(args.keep or tempfile.mkdtemp(prefix="bench-insights-"))
    work.mkdir(parents=True, exist_ok=True)
    catalogue = str(FIXTURES_DIR / "catalogue.csv")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; encoder {args.encoder}; workers {args.workers}; files in {work}", flush=True)
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        intakes, results = work / f"intakes_{n}.jsonl", work / f"results_{n}.jsonl"
        t0 = time.perf_counter()
        generate(n, intakes)
        print(f"\n{n} intakes generated in {time.perf_counter() - t0:.1f}s ({intakes.stat().st_size / 2**20:.0f} MB)", flush=True)
        common = ["--as-of", AS_OF, "--encoder", args.encoder, "--no-progress"]
        phases = [("match", [RECOMMENDER, "match", "--catalogue", catalogue, "--input", str(intakes), "--output", str(results), "--top-k", "12", "--workers", str(args.workers), *common])]
        phases.append(("insights --results", [RECOMMENDER, "insights", "--intakes", str(intakes), "--results", str(results), "--top-k", "12", "--catalogue", catalogue,
                                              "--output", str(work / f"insights_results_{n}"), *common]))
        if not args.skip_rematch:
            phases.append(("insights --workers", [RECOMMENDER, "insights", "--intakes", str(intakes), "--catalogue", catalogue, "--workers", str(args.workers),
                                                  "--output", str(work / f"insights_match_{n}"), *common]))
        for name, cmd in phases:
            r = run(cmd, env)
            rows.append((n, name, r))
            print(f"  {name:<20} {r['wall_s']:7.1f} s  {n / r['wall_s']:7.0f} intakes/s  peak RSS {r['peak_rss_mb']:6.0f} MB (largest process {r['peak_single_mb']:.0f} MB)", flush=True)
        if args.store:
            db = work / f"store_{n}.sqlite3"
            db.unlink(missing_ok=True)
            url = f"sqlite:///{db}"
            print(f"  (saving {n} matches to {db.name}: {store_matches(results, intakes, url):.0f}s, {db.stat().st_size / 2**20:.0f} MB)", flush=True)
            r = run([RECOMMENDER, "insights", "--tenant", "bench", "--output", str(work / f"insights_store_{n}"), *common], {**env, "DATABASE_URL": url})
            rows.append((n, "insights --tenant", r))
            print(f"  {'insights --tenant':<20} {r['wall_s']:7.1f} s  {n / r['wall_s']:7.0f} intakes/s  peak RSS {r['peak_rss_mb']:6.0f} MB (largest process {r['peak_single_mb']:.0f} MB)", flush=True)
        report = json.loads((work / f"insights_results_{n}" / "insights.json").read_text(encoding="utf-8"))
        cells = report["disclosure"]["cells"]
        print(f"  disclosure at k=10: {cells['published']} of {cells['total']} counts published, {cells['below_k']} '<10', {cells['suppressed_to_protect']} 'c'", flush=True)
    print("\n| intakes | phase | wall | intakes/s | peak RSS (tree) | largest process |")
    print("|---:|---|---:|---:|---:|---:|")
    for n, name, r in rows:
        print(f"| {n:,} | `{name}` | {r['wall_s']:.0f} s | {n / r['wall_s']:.0f} | {r['peak_rss_mb']:.0f} MB | {r['peak_single_mb']:.0f} MB |")


if __name__ == "__main__":
    main()
