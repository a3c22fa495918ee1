"""``recommender insights``: the command line of the insights.

Two sources:

- ``--intakes FILE --catalogue FILE``: the intakes are matched now (``--workers N`` in
  parallel), or read with the output of an earlier ``recommender match`` (``--results``);
- ``--tenant NAME``: the tenant's stored matches (``DATABASE_URL``), in ``--from``/``--to``.

Bad input stops with exit code 2 and a message naming the line or the option, before any
file is written.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from recommender.errors import InputError, Issue
from recommender.insights.disclosure import DEFAULT_K, MIN_K

INSIGHTS_HELP = "hidden-need prevalence, co-occurrence, unmet needs and the gap map, with small counts suppressed"


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date (YYYY-MM-DD)") from None


def _k(value: str) -> int:
    try:
        k = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number") from None
    if not MIN_K <= k <= 1000:
        raise argparse.ArgumentTypeError(f"must be between {MIN_K} and 1000 (below {MIN_K} a threshold protects nobody)")
    return k


def _count(lo: int, hi: int):
    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{value}' is not a whole number") from None
        if not lo <= n <= hi:
            raise argparse.ArgumentTypeError(f"must be between {lo} and {hi}")
        return n

    return parse


def add_parser(sub, encoder_default: str) -> argparse.ArgumentParser:
    p = sub.add_parser("insights", help=INSIGHTS_HELP, description=INSIGHTS_HELP + " (docs/insights.md)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--intakes", help="intakes JSONL (the match contract); needs --catalogue")
    src.add_argument("--tenant", help="a tenant's stored matches (DATABASE_URL)")
    p.add_argument("--catalogue", help="catalogue CSV (with --intakes)")
    p.add_argument("--results", help="the `recommender match` output of the same intakes, same order: no matching again")
    p.add_argument("--top-k", type=_count(1, 1000), default=10, help="with --results: the --top-k the match ran with (default 10)")
    p.add_argument("--output", required=True, help="directory for insights.json, the CSVs, gap_map.png and gap_map.html")
    p.add_argument("--k", type=_k, default=DEFAULT_K, help=f"publication threshold: no count between 1 and k-1 is shown (default {DEFAULT_K}, at least {MIN_K})")
    p.add_argument("--territory", help="a province (BG), a region (Lombardia) or a comune (name or ISTAT code); default: everything")
    p.add_argument("--from", dest="date_from", type=_date, help="with --tenant: first day of matches (UTC, YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", type=_date, help="with --tenant: last day of matches (UTC, included)")
    p.add_argument("--as-of", type=_date, help="reference date of the quality policy (default: today; with --tenant: --to, else today)")
    p.add_argument("--encoder", default=encoder_default, help="sentence encoder of the pipeline ('none': lexical only)")
    p.add_argument("--workers", type=_count(1, 32), default=1, help="matching processes (with --intakes, without --results)")
    p.add_argument("--skip-invalid", action="store_true", help="skip bad intake lines and report them instead of failing")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None, help="progress bar on stderr (default: on a terminal)")
    p.set_defaults(func=run)
    return p


def _check_args(args: argparse.Namespace) -> None:
    def bad(option: str, reason: str) -> InputError:
        return InputError(Issue(reason), source=option)

    if args.intakes and not args.catalogue:
        raise bad("--catalogue", "is required with --intakes")
    if args.tenant and (args.catalogue or args.results):
        raise bad("--catalogue" if args.catalogue else "--results", "goes with --intakes; a tenant's matches use the tenant's catalogue")
    if args.intakes and (args.date_from or args.date_to):
        raise bad("--from" if args.date_from else "--to", "goes with --tenant: intakes carry no date (use --as-of for the quality policy)")
    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise bad("--to", f"{args.date_to} is before --from {args.date_from}")
    if args.results and args.workers > 1:
        raise bad("--workers", "nothing is matched with --results")


def run(args: argparse.Namespace) -> int:
    from recommender.insights.territory import parse_territory

    _check_args(args)
    territory = parse_territory(args.territory, field="--territory")
    t = time.perf_counter()
    if args.intakes:
        report, n = _from_intakes(args, territory)
    else:
        report, n = _from_tenant(args, territory)
    from recommender.insights.report import write_report

    paths = write_report(report, args.output)
    dt = time.perf_counter() - t
    d = report.disclosure
    print(f"[welfare-match] insights on {n} intakes in {dt:.1f}s ({n / dt if dt else 0:.0f}/s), k={report.k}, written to {Path(args.output)}/: "
          f"{', '.join(p.name for p in paths)}", file=sys.stderr)
    merged = ", ".join(f"{g['group']} ({g['units']})" for g in d["merged"]) or "none"
    print(f"[welfare-match] disclosure: {d['cells']['published']} of {d['cells']['total']} cells published, {d['cells']['below_k']} shown as '<{report.k}', "
          f"{d['cells']['suppressed_to_protect']} suppressed to protect them ('c'); merged: {merged}", file=sys.stderr)
    for s in d["statements"]:
        print(f"[welfare-match]   {s}", file=sys.stderr)
    return 0


def _validated(path: Path, provinces: frozenset[str], skip_invalid: bool) -> tuple[set[int], int]:
    """Validate every line first (as ``recommender match`` does): the bad lines and the
    number of valid intakes."""
    from recommender.intake import read_intakes

    if not path.exists():
        raise InputError(Issue("file not found"), source=str(path))
    bad, n = [], 0
    for item in read_intakes(path, prefer_provinces=provinces):
        if item.error is not None:
            bad.append(item)
        else:
            n += 1
    if bad and not skip_invalid:
        raise InputError([i for item in bad for i in item.error.issues], source=str(path))
    for item in bad:
        for issue in item.error.issues:
            print(f"[welfare-match] skipped: {issue}", file=sys.stderr)
    return {item.line for item in bad}, n


def _aggregate(records, territory, total: int, enabled: bool | None):
    from recommender.insights.aggregate import InsightsAggregator
    from recommender.progress import progress_bar

    agg = InsightsAggregator(territory)
    bar = progress_bar(total, "insights", enabled)
    try:
        for r in records:
            agg.add(r)
            bar.update(1)
    finally:
        bar.close()
    return agg.counts


def _supply(catalogue, affinity, as_of: date, territory, counts):
    from recommender.gazetteer import default_gazetteer
    from recommender.insights.supply import compute_supply, served_provinces
    from recommender.quality import DEFAULT_POLICY

    gaz = default_gazetteer()
    # The supply table lists the territory's comuni (or, for "everything", those of the
    # provinces the catalogue serves); the territory table also needs every comune with intakes.
    if territory.kind == "all":
        provinces = served_provinces(catalogue, gaz)
        listed = [c for c in gaz.by_code.values() if c.province_abbr in provinces]
    else:
        listed = territory.comuni(gaz)
    codes = sorted({c.istat_code for c in listed})
    wanted = {c.istat_code: c for c in listed} | {code: gaz.by_code[code] for code in counts.intakes}
    supply = compute_supply(catalogue, affinity, DEFAULT_POLICY.mask(catalogue, as_of), wanted.values())
    return supply, codes


def _from_intakes(args: argparse.Namespace, territory):
    from recommender.catalogue import load_catalogue
    from recommender.insights.compute import build_report
    from recommender.insights.records import service_needs_of
    from recommender.insights.sources import INSIGHTS_TOP_K, read_results, records_from_intakes, records_from_results
    from recommender.intake import read_intakes

    catalogue = load_catalogue(args.catalogue)
    provinces = catalogue.provinces()
    path = Path(args.intakes)
    skip, n_valid = _validated(path, provinces, args.skip_invalid)
    if args.results and not Path(args.results).exists():
        raise InputError(Issue("file not found"), source=args.results)
    as_of = args.as_of or date.today()
    encoder = None if args.encoder in (None, "none") else args.encoder
    valid = ((item.line, item.intake) for item in read_intakes(path, prefer_provinces=provinces) if item.intake is not None and item.line not in skip)
    top_k = args.top_k if args.results else INSIGHTS_TOP_K
    ids = [s.service_id for s in catalogue.services]
    if args.workers > 1:
        from recommender.batch import EngineSpec, WorkerPool, records_chunk, service_affinity, valid_lines

        with WorkerPool(EngineSpec(str(args.catalogue), encoder), args.workers) as pool:
            affinity = pool.call(service_affinity)
            records = (r for chunk in pool.ordered(records_chunk, valid_lines(path, skip), as_of, top_k) for r in chunk)
            counts = _aggregate(records, territory, n_valid, args.progress)
    else:
        from recommender.pipeline import MatchPipeline, PipelineConfig

        pipe = MatchPipeline(PipelineConfig(encoder=encoder)).fit(catalogue)
        affinity = pipe.affinity_
        answers = service_needs_of(ids, affinity)
        if args.results:
            records = records_from_results(valid, read_results(args.results), as_of, answers, top_k, source=args.results)
        else:
            records = records_from_intakes(pipe, (it for _, it in valid), as_of, answers, top_k)
        counts = _aggregate(records, territory, n_valid, args.progress)
    supply, supply_comuni = _supply(catalogue, affinity, as_of, territory, counts)
    provenance = {
        "source": "results" if args.results else "intakes",
        "catalogue": {"name": Path(args.catalogue).name, "services": len(catalogue), "version": None},
        "as_of": as_of.isoformat(),
        "territory": territory.to_json(),
        "engine": {"encoder": args.encoder, "top_k": top_k},
    }
    return build_report(counts, args.k, supply, supply_comuni, provenance), counts.total


def _from_tenant(args: argparse.Namespace, territory):
    from recommender.catalogue import parse_catalogue
    from recommender.insights.compute import build_report
    from recommender.insights.records import service_needs_of
    from recommender.insights.sources import records_from_store
    from recommender.pipeline import MatchPipeline, PipelineConfig
    from recommender.store.catalogues import get_catalogue
    from recommender.store.database import connect, upgrade
    from recommender.store.insights_export import count_matches, iter_match_facts
    from recommender.store.tenants import require_tenant

    db = connect()
    upgrade(db)
    tenant = require_tenant(db, args.tenant)
    encoder = None if args.encoder in (None, "none") else args.encoder
    fitted: dict[int, tuple] = {}

    def fit(catalogue_id: int):
        # Each catalogue version the matches used, fitted once: which needs its services answer.
        if catalogue_id not in fitted:
            stored = get_catalogue(db, catalogue_id)
            try:
                catalogue = parse_catalogue(stored.csv_text, source=f"catalogue v{stored.version}")
            except InputError:
                # A version that no longer validates: its suggestions still say which need
                # they answer, only the other needs a service also answers are unknown.
                print(f"[welfare-match] catalogue v{stored.version} no longer validates: its matches count only the need each suggestion was made for", file=sys.stderr)
                fitted[catalogue_id] = (stored, None, None, {})
                return fitted[catalogue_id]
            pipe = MatchPipeline(PipelineConfig(encoder=encoder)).fit(catalogue)
            fitted[catalogue_id] = (stored, catalogue, pipe.affinity_, service_needs_of([s.service_id for s in catalogue.services], pipe.affinity_))
        return fitted[catalogue_id]

    total = count_matches(db, tenant, args.date_from, args.date_to)
    facts = iter_match_facts(db, tenant, args.date_from, args.date_to)
    counts = _aggregate(records_from_store(facts, lambda cid: fit(cid)[3]), territory, total, args.progress)
    as_of = args.as_of or args.date_to or date.today()
    supply = supply_comuni = None
    catalogue_info = None
    if tenant.catalogue_id is not None and fit(tenant.catalogue_id)[1] is not None:
        stored, catalogue, affinity, _ = fit(tenant.catalogue_id)
        supply, supply_comuni = _supply(catalogue, affinity, as_of, territory, counts)
        catalogue_info = {"name": f"catalogo del tenant, versione {stored.version}", "services": len(catalogue), "version": stored.version}
    provenance = {
        "source": "store",
        "tenant": tenant.name,
        "catalogue": catalogue_info,
        "period": {"from": args.date_from.isoformat() if args.date_from else None, "to": args.date_to.isoformat() if args.date_to else None},
        "as_of": as_of.isoformat(),
        "territory": territory.to_json(),
        "engine": {"encoder": args.encoder, "top_k": None},
    }
    return build_report(counts, args.k, supply, supply_comuni, provenance), counts.total

