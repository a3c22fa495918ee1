"""Latency and throughput benchmark of the matching pipeline on a 5,000-service catalogue.

    cd /work/main && HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_match.py [--encoder none]

Steps (see benchmarks/README.md):
1. build a synthetic but realistic catalogue by replicating the bundled fixture services onto
   other real comuni (same provinces and a few others), serialise it in the contract CSV
   format and load it through ``parse_catalogue`` so the full validation runs;
2. fit ``MatchPipeline(PipelineConfig(encoder=...))`` and time it (cold or warm embedding cache);
3. single-intake latency with ``pipe.match`` one call at a time;
4. batch throughput with ``pipe.match_many``;
5. a summary with the issue's targets marked met / not met.

It is a benchmark, not a test: the exit code is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import platform
import random
import resource
import sys
import time
from dataclasses import replace
from datetime import date

import numpy as np

from recommender.catalogue import CATALOGUE_COLUMNS, Catalogue, parse_catalogue
from recommender.gazetteer import Comune, default_gazetteer
from recommender.intake import Intake, read_intakes
from recommender.paths import FIXTURES_DIR, cache_dir
from recommender.pipeline import MatchPipeline, PipelineConfig

AS_OF = date(2026, 11, 22)
SEED = 20261122

# Targets from the issue (2 cores, 5,000 services).
TARGET_P50_MS = 50.0
TARGET_BATCH_PER_S = 50.0
TARGET_CORES = 2
TARGET_SERVICES = 5000

# Where replicas go: mostly the fixture provinces (the intakes live there, so this is what
# makes the candidate sets grow), the rest in neighbouring provinces of Lombardia and Veneto.
HOME_PROVINCES = ("BG", "VA", "PD")
OTHER_PROVINCES = ("MI", "BS", "CO", "VR", "VI", "TV")
SHARE_SAME_PROVINCE = 0.65
HOME_AREA_KM = 15.0  # service_area of replicated home services: comuni within this radius
REMOTE_AREA_KM = 25.0  # ... and of remote services

PUBLIC_PROVIDER_PREFIXES = ("Comune di", "Ambito", "ASST", "Azienda ULSS", "Azienda Consortile", "Seprio Servizi")
PROVIDER_KINDS = ("Cooperativa Sociale", "Associazione", "Fondazione", "Impresa Sociale", "Consorzio", "Centro Servizi")
PROVIDER_WORDS = (
    "Il Faro", "La Rete", "Arcobaleno", "Il Ponte", "Girasole", "Orizzonte", "La Bussola", "Mani Amiche",
    "Il Melograno", "La Quercia", "Il Sentiero", "Terra Nuova", "La Lanterna", "Il Mosaico", "Insieme",
    "La Radice", "Il Cerchio", "Primavera", "La Fonte", "Il Seme",
)
PROVIDERS_PER_PROVINCE = 45


# --------------------------------------------------------------------------- catalogue


def _distances_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    p1, p2 = math.radians(lat), np.radians(lats)
    a = np.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin((np.radians(lons) - math.radians(lon)) / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.minimum(1.0, np.sqrt(a)))


class _Territory:
    """Real comuni of the chosen provinces, with neighbourhoods for service areas."""

    def __init__(self, provinces: tuple[str, ...]):
        gaz = default_gazetteer()
        self.all = list(gaz.by_code.values())
        self.lats = np.array([c.lat for c in self.all])
        self.lons = np.array([c.lon for c in self.all])
        self.by_province: dict[str, list[Comune]] = {p: [] for p in provinces}
        for c in self.all:
            if c.province_abbr in self.by_province:
                self.by_province[c.province_abbr].append(c)
        # bigger towns get more services, but small comuni are not left empty
        self.weights = {p: [math.sqrt(c.population or 1000) for c in cs] for p, cs in self.by_province.items()}
        self._near: dict[tuple[str, float], list[str]] = {}

    def pick(self, rng: random.Random, province: str) -> Comune:
        return rng.choices(self.by_province[province], weights=self.weights[province], k=1)[0]

    def near(self, comune: Comune, radius_km: float) -> list[str]:
        key = (comune.istat_code, radius_km)
        if key not in self._near:
            d = _distances_km(comune.lat, comune.lon, self.lats, self.lons)
            codes = {self.all[i].istat_code for i in np.flatnonzero(d <= radius_km)} | {comune.istat_code}
            self._near[key] = sorted(codes)
        return self._near[key]


def _provider(rng: random.Random, row: dict[str, str], comune: Comune) -> tuple[str, str]:
    name = row["provider_name"]
    if name.startswith(PUBLIC_PROVIDER_PREFIXES):
        return f"COM{comune.istat_code}", f"Comune di {comune.name}"
    k = rng.randrange(PROVIDERS_PER_PROVINCE)
    kind = PROVIDER_KINDS[k % len(PROVIDER_KINDS)]
    word = PROVIDER_WORDS[(k * 7) % len(PROVIDER_WORDS)]
    return f"P-{comune.province_abbr}-{k:03d}", f"{kind} {word} {comune.province_abbr} {k // len(PROVIDER_KINDS) + 1}"


def _jitter_number(rng: random.Random, raw: str, rel: float, step: float, lo: float | None = None, hi: float | None = None) -> str:
    if not raw:
        return raw
    value = float(raw) * (1 + rng.uniform(-rel, rel))
    value = round(value / step) * step
    if lo is not None:
        value = max(lo, value)
    if hi is not None:
        value = min(hi, value)
    return f"{value:g}"


def _replica(rng: random.Random, row: dict[str, str], comune: Comune, service_id: str, territory: _Territory) -> dict[str, str]:
    out = dict(row)
    out["service_id"] = service_id
    out["comune_istat"] = comune.istat_code
    out["name"] = f"{row['name']} - {comune.name}"
    out["description"] = f"{row['description'].rstrip()} Sede: {comune.name} ({comune.province_abbr})."
    out["provider_id"], out["provider_name"] = _provider(rng, row, comune)
    if row["lat"] and row["lon"]:  # explicit coordinates: somewhere in the comune
        out["lat"] = f"{comune.lat + rng.uniform(-0.008, 0.008):.5f}"
        out["lon"] = f"{comune.lon + rng.uniform(-0.011, 0.011):.5f}"
    # else: left empty, the loader takes the comune centroid (as for most fixture rows)
    if row["service_area_istat"].strip():
        radius = HOME_AREA_KM if row["delivery"] == "home" else REMOTE_AREA_KM
        out["service_area_istat"] = ";".join(territory.near(comune, radius))
    out["price_eur"] = _jitter_number(rng, row["price_eur"], 0.15, 0.5, lo=0)
    out["rating"] = _jitter_number(rng, row["rating"], 0.05, 0.1, lo=1, hi=5)
    return out


def build_catalogue_csv(n_services: int, seed: int = SEED) -> tuple[str, dict[str, int]]:
    """The contract CSV of an ``n_services`` catalogue grown from the bundled fixture."""
    with open(FIXTURES_DIR / "catalogue.csv", newline="", encoding="utf-8") as fh:
        base = list(csv.DictReader(fh))
    gaz = default_gazetteer()
    rng = random.Random(seed)
    territory = _Territory(HOME_PROVINCES + OTHER_PROVINCES)
    rows = [dict(r) for r in base[:n_services]]
    n = 0
    while len(rows) < n_services:
        src = base[rng.randrange(len(base))]
        src_comune = gaz.get(src["comune_istat"])
        same = src_comune is not None and src_comune.province_abbr in HOME_PROVINCES and rng.random() < SHARE_SAME_PROVINCE
        province = src_comune.province_abbr if same else rng.choice(OTHER_PROVINCES)
        comune = territory.pick(rng, province)
        n += 1
        rows.append(_replica(rng, src, comune, f"X{province}-{n:05d}", territory))
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=list(CATALOGUE_COLUMNS), extrasaction="raise", lineterminator="\n")
    writer.writeheader()
    writer.writerows({c: r.get(c, "") for c in CATALOGUE_COLUMNS} for r in rows)
    by_province: dict[str, int] = {}
    for r in rows:
        c = gaz.get(r["comune_istat"])
        p = c.province_abbr if c else "?"
        by_province[p] = by_province.get(p, 0) + 1
    return buf.getvalue(), by_province


# --------------------------------------------------------------------------- intakes


def load_intakes(provinces: frozenset[str]) -> list[Intake]:
    items = list(read_intakes(FIXTURES_DIR / "intakes.jsonl", prefer_provinces=provinces))
    bad = [it for it in items if it.intake is None]
    for it in bad:
        print(f"  skipped intake line {it.line}: {it.error}", file=sys.stderr)
    return [it.intake for it in items if it.intake is not None]


def varied(intake: Intake, tag: str) -> Intake:
    """The same intake with a unique, need-neutral reference appended to its notes.

    Appended (not prefixed) so the opening of the notes, where the person's age is read,
    is untouched; the tag makes the text new to the encoder's memo cache.
    """
    notes = intake.notes.rstrip()
    if not notes:
        return replace(intake, id=f"{intake.id}#{tag}")
    sep = " " if notes[-1] in ".!?;" else ". "
    return replace(intake, id=f"{intake.id}#{tag}", notes=f"{notes}{sep}Rif. {tag}.")


# --------------------------------------------------------------------------- measuring


def _cache_state() -> dict[str, float]:
    """Catalogue embeddings (``embeddings/*.npy``) and built encoders (``models/*``) in the cache."""
    root = cache_dir()
    state = {f"embeddings/{p.name}": p.stat().st_mtime for p in (root / "embeddings").glob("*.npy")}
    state.update({f"models/{p.name}": p.stat().st_mtime for p in (root / "models").glob("*") if (p / "modules.json").exists()})
    return state


def _percentiles(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms)
    return {"p50": float(np.percentile(a, 50)), "p90": float(np.percentile(a, 90)), "p99": float(np.percentile(a, 99)), "mean": float(a.mean()), "max": float(a.max())}


def _fmt_lat(s: dict[str, float]) -> str:
    return f"p50 {s['p50']:.1f} ms  p90 {s['p90']:.1f} ms  p99 {s['p99']:.1f} ms  mean {s['mean']:.1f} ms  max {s['max']:.1f} ms"


def time_single(pipe: MatchPipeline, intakes: list[Intake], calls: int, tag: str) -> list[float]:
    out = []
    for k in range(calls):
        it = intakes[k % len(intakes)]
        if tag:
            it = varied(it, f"{tag}{k:05d}")
        t = time.perf_counter()
        pipe.match(it, as_of=AS_OF)
        out.append((time.perf_counter() - t) * 1000)
    return out


class _Contention:
    """Share of the machine used by *other* processes during a phase (Linux ``/proc/stat``).

    Small VMs are often shared; a benchmark figure taken while something else burns a core is
    not comparable, so every phase reports how busy the rest of the machine was.
    """

    def __init__(self) -> None:
        self.start = self._snapshot()

    @staticmethod
    def _snapshot() -> tuple[float, float, float] | None:
        try:
            with open("/proc/stat", encoding="ascii") as fh:
                fields = [int(x) for x in fh.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        user, nice, system, _idle, _iowait, irq, softirq, steal = fields
        busy = (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
        t = os.times()
        return time.monotonic(), busy, t.user + t.system

    def share(self) -> float | None:
        end = self._snapshot()
        if self.start is None or end is None or end[0] <= self.start[0]:
            return None
        wall = end[0] - self.start[0]
        others = (end[1] - self.start[1]) - (end[2] - self.start[2])
        return max(0.0, others / (wall * (os.cpu_count() or 1)))


def _fmt_share(share: float | None) -> str:
    if share is None:
        return "other processes: unknown"
    return f"other processes used {share:.0%} of the CPU" + ("  <-- CONTENDED, figure not reliable" if share > 0.10 else "")


def _peak_rss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024  # bytes on macOS, KiB on Linux


def _torch_threads() -> str:
    torch = sys.modules.get("torch")
    if torch is None:
        return "n/a (torch not loaded: no dense channel)"
    return str(torch.get_num_threads())


def _blas_threads() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (no threadpoolctl)"
    pools = [f"{p['internal_api']} {p['num_threads']}" for p in threadpool_info() if p.get("user_api") == "blas"]
    return ", ".join(pools) or "none"


def _limit_blas(n: int) -> None:
    """Cap the OpenBLAS pools of numpy and scipy (torch's MKL is linked statically and not affected)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        print("WARNING: --blas-threads needs threadpoolctl; ignored", file=sys.stderr)
        return
    threadpool_limits(limits=n, user_api="blas")


def _mark(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--encoder", default="default", help="encoder name or path for PipelineConfig; 'none' disables the dense channel")
    ap.add_argument("--services", type=int, default=TARGET_SERVICES, help="catalogue size (default 5000)")
    ap.add_argument("--calls", type=int, default=366, help="single-intake timed calls (default 366 = 3 passes over the 122 intakes)")
    ap.add_argument("--warmup", type=int, default=20, help="untimed warm-up matches (default 20)")
    ap.add_argument("--batch", type=int, default=1220, help="intakes in the match_many run (default 1220 = 10 varied copies of each)")
    ap.add_argument("--seed", type=int, default=SEED, help="seed of the synthetic catalogue")
    ap.add_argument("--blas-threads", type=int, default=None,
                    help="cap numpy's BLAS (OpenBLAS) threads, e.g. 1; default: leave the library default")
    ap.add_argument("--profile", action="store_true", help="also cProfile the batch run and print the top functions")
    args = ap.parse_args(argv)
    if args.services < 1 or args.calls < 1 or args.batch < 1 or args.warmup < 0:
        ap.error("--services, --calls and --batch must be >= 1, --warmup >= 0")
    encoder = None if args.encoder.strip().lower() == "none" else args.encoder
    if args.blas_threads is not None:
        _limit_blas(args.blas_threads)
    t_start = time.perf_counter()
    load_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"welfare-match benchmark: {args.services} services, encoder {encoder or 'none'}, as of {AS_OF}", flush=True)
    if load_start > 0.5 * (os.cpu_count() or 1):
        print(f"WARNING: 1-min load average is {load_start:.2f} before starting: other processes may compete for the CPU "
              "(the average lags; each phase below reports what other processes actually used)", flush=True)

    # 1. catalogue -------------------------------------------------------------------
    t = time.perf_counter()
    text, by_province = build_catalogue_csv(args.services, args.seed)
    t_build = time.perf_counter() - t
    t = time.perf_counter()
    catalogue: Catalogue = parse_catalogue(text, source=f"<bench {args.services} services, seed {args.seed}>")
    t_parse = time.perf_counter() - t
    deliveries = {d: sum(s.delivery == d for s in catalogue) for d in ("on_site", "home", "remote")}
    n_providers = len({s.provider_id for s in catalogue})
    provs = ", ".join(f"{p} {n}" for p, n in sorted(by_province.items(), key=lambda kv: -kv[1]))
    print(f"[1] catalogue: {len(catalogue)} services ({provs}); {deliveries['on_site']} on site, {deliveries['home']} home, "
          f"{deliveries['remote']} remote; {n_providers} providers; CSV {len(text) / 1e6:.1f} MB built in {t_build:.2f}s, "
          f"parsed+validated in {t_parse:.2f}s", flush=True)

    # 2. fit -------------------------------------------------------------------------
    before = _cache_state()
    cont = _Contention()
    t = time.perf_counter()
    pipe = MatchPipeline(PipelineConfig(encoder=encoder)).fit(catalogue)
    t_fit = time.perf_counter() - t
    share_fit = cont.share()
    if args.blas_threads is not None:  # again: loading the encoder brings scipy's own OpenBLAS
        _limit_blas(args.blas_threads)
    after = _cache_state()
    changed = {k for k, v in after.items() if before.get(k) != v}
    if encoder is None:
        cache_note = "no dense channel, no embeddings"
    elif any(k.startswith("embeddings/") for k in changed):
        cache_note = "embedding cache COLD: the catalogue was encoded during fit (now cached)"
    else:
        cache_note = f"embedding cache WARM: catalogue embeddings loaded from {cache_dir() / 'embeddings'}"
    built = sorted(k.removeprefix("models/") for k in changed if k.startswith("models/"))
    if built:
        cache_note += f"; encoder {', '.join(built)} was BUILT during fit (first use of this cache)"
    enc_desc = f"{encoder} -> {pipe.encoder.model_path_} (dim {pipe.encoder.dim_})" if encoder else "none"
    print(f"[2] fit: {t_fit:.2f}s; encoder {enc_desc}; {cache_note}; {_fmt_share(share_fit)}", flush=True)

    # 3. single-intake latency -------------------------------------------------------
    intakes = load_intakes(frozenset(HOME_PROVINCES))
    with_notes = sum(bool(i.notes.strip()) for i in intakes)
    for k in range(args.warmup):
        pipe.match(intakes[k % len(intakes)], as_of=AS_OF)
    cont = _Contention()
    single = time_single(pipe, intakes, args.calls, tag="S")
    share_single = cont.share()
    single_s = _percentiles(single)
    novelty = ", each note new to the encoder memo" if encoder else ""
    print(f"[3] single intake, {args.calls} calls over {len(intakes)} intakes ({with_notes} with notes){novelty}:\n"
          f"    {_fmt_lat(single_s)}\n    {_fmt_share(share_single)}", flush=True)
    memo_s = None
    if encoder is not None:
        for it in intakes:  # make every original note a memo hit
            pipe.match(it, as_of=AS_OF)
        memo_s = _percentiles(time_single(pipe, intakes, args.calls, tag=""))
        print(f"    same intakes with notes already in the encoder memo (= pipeline without the encoder):\n    {_fmt_lat(memo_s)}", flush=True)

    # 4. batch throughput ------------------------------------------------------------
    batch = [varied(intakes[k % len(intakes)], f"B{k:05d}") for k in range(args.batch)]
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    cont = _Contention()
    t = time.perf_counter()
    n_results = sum(len(r.results) for r in pipe.match_many(batch, as_of=AS_OF))
    t_batch = time.perf_counter() - t
    share_batch = cont.share()
    if profiler is not None:
        profiler.disable()
    rate = len(batch) / t_batch
    print(f"[4] batch: {len(batch)} intakes via match_many in {t_batch:.2f}s -> {rate:.1f} intakes/s "
          f"({t_batch / len(batch) * 1000:.1f} ms/intake, {n_results / len(batch):.1f} results/intake)\n"
          f"    {_fmt_share(share_batch)}", flush=True)
    if profiler is not None:
        import pstats

        print("\n--- cProfile of the batch run (top 25 by internal time) ---")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(25)

    # 5. summary ---------------------------------------------------------------------
    cores = os.cpu_count()
    at_target = cores == TARGET_CORES and len(catalogue) == TARGET_SERVICES
    p50_ok = single_s["p50"] <= TARGET_P50_MS
    rate_ok = rate >= TARGET_BATCH_PER_S
    bar = "=" * 92
    print(f"\n{bar}\nwelfare-match benchmark summary\n{bar}")
    print(f"catalogue       {len(catalogue)} services, {len(by_province)} provinces, {n_providers} providers "
          f"(parse+validate {t_parse:.2f}s)")
    print(f"encoder         {enc_desc}")
    print(f"fit             {t_fit:.2f}s  [{cache_note}]  ({_fmt_share(share_fit)})")
    print(f"single intake   {args.calls} calls: {_fmt_lat(single_s)}  ({_fmt_share(share_single)})")
    if memo_s is not None:
        print(f"  (memo hit)    p50 {memo_s['p50']:.1f} ms  p90 {memo_s['p90']:.1f} ms  mean {memo_s['mean']:.1f} ms")
    print(f"batch           {len(batch)} intakes in {t_batch:.2f}s = {rate:.1f} intakes/s  ({_fmt_share(share_batch)})")
    print(f"machine         {platform.system()} {platform.machine()}, Python {platform.python_version()}, "
          f"os.cpu_count()={cores}, torch threads={_torch_threads()},\n"
          f"                BLAS threads: {_blas_threads()}, numpy {np.__version__}, load avg at start {load_start:.2f}")
    print(f"peak RSS        {_peak_rss_mb():.0f} MB")
    print(f"wall time       {time.perf_counter() - t_start:.1f}s")
    print(f"targets (issue: {TARGET_CORES} cores, {TARGET_SERVICES:,} services)"
          + ("" if at_target else f"  -- NOTE: measured with {cores} cores and {len(catalogue)} services, indicative only"))
    def flag(share: float | None) -> str:
        return "  (contended run: repeat on a quiet machine)" if share is not None and share > 0.10 else ""

    print(f"  single intake p50 <= {TARGET_P50_MS:.0f} ms    {single_s['p50']:8.1f} ms      {_mark(p50_ok)}{flag(share_single)}")
    print(f"  batch >= {TARGET_BATCH_PER_S:.0f} intakes/s       {rate:8.1f} /s      {_mark(rate_ok)}{flag(share_batch)}")
    print(bar, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
