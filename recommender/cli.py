"""Command line: ``recommender match``, ``evaluate``, ``demo``.

Exit codes: 0 success, 2 bad input (with a message naming the line and field), 1 for an
unexpected internal failure. Output files are written atomically: on any error no partial
file is left behind.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from recommender.errors import InputError, Issue


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date (YYYY-MM-DD)") from None


def _bounded(cast: type, lo: float, hi: float, kind: str, unit: str = ""):
    """An argparse type: ``cast`` of the text, between ``lo`` and ``hi`` (both included)."""

    def parse(value: str):
        try:
            x = cast(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{value}' is not {kind}") from None
        if not lo <= x <= hi:
            raise argparse.ArgumentTypeError(f"must be between {lo} and {hi}{unit}")
        return x

    return parse


_positive_int = _bounded(int, 1, 1000, "a whole number")
_workers = _bounded(int, 1, 32, "a whole number")
_days = _bounded(int, 0, 3650, "a whole number of days", " days")
_unit_float = _bounded(float, 0, 1, "a number")
_eta = _bounded(float, 0, 10, "a number")


def _pipeline(catalogue, encoder: str | None, quiet: bool = False, reranker=None):
    from recommender.pipeline import MatchPipeline, PipelineConfig

    t = time.perf_counter()
    pipe = MatchPipeline(PipelineConfig(encoder=None if encoder in (None, "none") else encoder), reranker=reranker).fit(catalogue)
    if not quiet:
        print(f"[welfare-match] catalogue {catalogue.source}: {len(catalogue)} services, encoder {encoder or 'none'} (ready in {time.perf_counter() - t:.1f}s)", file=sys.stderr)
    return pipe


def cmd_match(args: argparse.Namespace) -> int:
    from recommender.catalogue import load_catalogue
    from recommender.intake import read_intakes

    catalogue = load_catalogue(args.catalogue)
    provinces = catalogue.provinces()
    input_path = Path(args.input)
    if not input_path.exists():
        raise InputError(Issue("file not found"), source=str(input_path))
    # First pass: validate every line, so a bad file fails before any work and the
    # report lists every bad line, not just the first.
    bad, n_valid = [], 0
    for item in read_intakes(input_path, prefer_provinces=provinces):
        if item.error is not None:
            bad.append(item)
        else:
            n_valid += 1
    if bad and not args.skip_invalid:
        issues = [i for item in bad for i in item.error.issues]
        raise InputError(issues, source=str(input_path))
    bad_lines = {item.line for item in bad}

    reranker = None
    if args.ranker:
        from recommender.models.reranker import load_reranker

        reranker = load_reranker(args.ranker)  # in this process too: a bad reference fails before any worker starts
    from recommender.batch import EngineSpec, matched_lines
    from recommender.progress import progress_bar

    encoder = None if args.encoder in (None, "none") else args.encoder
    pipe = _pipeline(catalogue, args.encoder, reranker=reranker) if args.workers == 1 else None
    if pipe is None:
        print(f"[welfare-match] matching in {args.workers} worker processes (each fits the catalogue)", file=sys.stderr)
    as_of = args.as_of or date.today()
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    n = 0
    t = time.perf_counter()
    bar = progress_bar(n_valid, "match", args.progress)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            spec = EngineSpec(str(args.catalogue), encoder, args.ranker)
            for line in matched_lines(input_path, bad_lines, as_of, args.top_k, pipe, spec, args.workers):
                fh.write(line + "\n")
                n += 1
                bar.update(1)
        os.replace(tmp, out)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    finally:
        bar.close()
    dt = time.perf_counter() - t
    print(f"[welfare-match] {n} intakes matched in {dt:.1f}s ({n / dt if dt else 0:.0f}/s), as of {as_of}, written to {out}", file=sys.stderr)
    if bad:
        print(f"[welfare-match] skipped {len(bad)} invalid line(s):", file=sys.stderr)
        for item in bad:
            for issue in item.error.issues:
                print(f"  {issue}", file=sys.stderr)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Evaluate the engine (and the baseline, or every ablation) and log it to MLflow."""
    from recommender.catalogue import load_catalogue
    from recommender.evaluation.ablations import (
        ALL_VARIANTS,
        BASELINE,
        LEARNED_RERANKER,
        PIPELINE_VARIANTS,
        TUNED_ENCODER,
        comparison_table,
        run_ablations,
    )
    from recommender.evaluation.collection import load_collection
    from recommender.evaluation.experiment import collection_info
    from recommender.evaluation.report import as_of_for, format_table, load_intakes
    from recommender.pipeline import PipelineConfig

    if args.variants:
        variants = [v.strip() for v in args.variants.split(",") if v.strip()]
        unknown = [v for v in variants if v not in ALL_VARIANTS]
        if unknown:
            raise InputError(Issue(f"unknown variant(s) {', '.join(unknown)}; known: {', '.join(ALL_VARIANTS)}"), source="--variants")
    elif args.ablations:
        variants = [v.name for v in PIPELINE_VARIANTS] + [BASELINE.name, LEARNED_RERANKER.name, TUNED_ENCODER.name]
    else:
        variants = ["full", BASELINE.name]
    tuned = args.tuned_encoder
    if tuned is None and TUNED_ENCODER.name in variants:
        from recommender.models.encoder import tuned_model_path

        tuned = str(tuned_model_path()) if (tuned_model_path() / "modules.json").exists() else None
    reranker = None
    if args.ranker:
        from recommender.models.reranker import load_reranker

        reranker = load_reranker(args.ranker)

    coll = load_collection(args.collection)
    catalogue = load_catalogue(coll.catalogue_path)
    intakes = load_intakes(coll, catalogue.provinces())
    as_of = as_of_for(coll, args.as_of)
    config = PipelineConfig(encoder=None if args.encoder in (None, "none") else args.encoder)
    info = collection_info(coll, catalogue, intakes, as_of)
    print(f"collection {coll.root} ({len(intakes)} intakes, {len(catalogue)} services, fingerprint {info['fingerprint']}), reference date {as_of}", file=sys.stderr)
    report = run_ablations(
        coll, catalogue, intakes, as_of, config=config, variants=variants, reranker=reranker, tuned_encoder=tuned, top_k=args.top_k, seed=args.seed,
        progress=lambda msg: print(f"[welfare-match] {msg}", file=sys.stderr),
    )
    table = comparison_table(report)
    print(format_table([r.evaluation for r in report.runs.values()]))
    print()
    print(table)
    if args.json:
        Path(args.json).write_text(json.dumps({
            name: {"metrics": r.metrics, "violations": r.evaluation.violations_by_reason, "per_case": r.per_case} for name, r in report.runs.items()
        } | {"comparisons": report.comparisons, "skipped": report.skipped}, indent=2), encoding="utf-8")
    if not args.no_track:
        from recommender.evaluation.experiment import log_report

        run_id = log_report(report, info, table, "ablations" if args.ablations or args.variants else "evaluation", args.experiment)
        from recommender.tracking import tracking_uri

        print(f"[welfare-match] MLflow run {run_id} in {tracking_uri()} (see it with: mlflow ui --backend-store-uri {tracking_uri()})", file=sys.stderr)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Match the bundled sample intakes and print the suggestions readably."""
    from recommender.catalogue import load_catalogue
    from recommender.evaluation.collection import reference_date_of
    from recommender.intake import read_intakes
    from recommender.needs import label_it
    from recommender.paths import FIXTURES_DIR

    catalogue = load_catalogue(FIXTURES_DIR / "catalogue.csv")
    pipe = _pipeline(catalogue, args.encoder)
    as_of = args.as_of or reference_date_of(FIXTURES_DIR) or date.today()
    intakes = [it.intake for it in read_intakes(FIXTURES_DIR / "intakes.jsonl", prefer_provinces=catalogue.provinces()) if it.intake]
    step = max(1, len(intakes) // args.limit)
    for intake in intakes[::step][: args.limit]:
        res = pipe.match(intake, as_of=as_of, top_k=args.top_k)
        print("=" * 100)
        print(f"{intake.id} · {intake.comune.name} ({intake.comune.province_abbr})")
        if intake.notes:
            print(f"Note: {intake.notes}")
        print("Bisogni:")
        for n in res.needs:
            tag = "espresso" if n.source == "stated" else f"emerso {n.score:.2f}"
            print(f"  - {label_it(n.need)} [{tag}] {('— ' + n.evidence) if n.evidence else ''}")
        print("Suggerimenti:")
        for r in res.results:
            print(f"  {r['rank']:>2}. {r['name']} [{r['service_id']}]")
            print(f"      {r['explanation']}")
    print("=" * 100)
    print(f"{len(intakes[::step][: args.limit])} of {len(intakes)} bundled intakes shown; reference date {as_of}.")
    return 0


def cmd_train_encoder(args: argparse.Namespace) -> int:
    """Fine-tune the encoder as a tracked MLflow run (experiment ``welfare-match-encoder``):
    params, the loss at every step, the output path; ``--log-model`` also stores the model."""
    from recommender import tracking
    from recommender.evaluation.collection import load_collection
    from recommender.models.encoder import tuned_model_path
    from recommender.models.tuning import train_encoder

    out = Path(args.output) if args.output else tuned_model_path()
    coll = load_collection(args.collection)
    tags = {"kind": "train-encoder", "collection": coll.root.name, "collection_fingerprint": coll.fingerprint()}
    with tracking.start_run("train-encoder", experiment="welfare-match-encoder", tags=tags) as run:
        run_id = run.info.run_id
        steps: list[tuple[int, float]] = []
        t = time.perf_counter()
        info = train_encoder(args.collection, out, base=args.base, epochs=args.epochs, seed=args.seed, on_step=lambda i, loss: steps.append((i, loss)))
        seconds = time.perf_counter() - t
        tracking.log_params(run_id, {**info, "output": str(out)})
        tracking.log_metrics(run_id, {"loss_first": info["loss_first"], "loss_last": info["loss_last"], "train_seconds": seconds})
        tracking.log_metric_history(run_id, "loss", steps)
        if args.log_model:
            tracking.log_artifacts(run_id, {f"model/{p.relative_to(out)}": p for p in out.rglob("*") if p.is_file()})
    print(f"[welfare-match] tuned encoder saved to {out} in {seconds:.0f}s (MLflow run {run_id}): {json.dumps(info)}", file=sys.stderr)
    print(f"[welfare-match] its effect: recommender evaluate COLLECTION --variants full,tuned_encoder --tuned-encoder {out}", file=sys.stderr)
    return 0


def cmd_simulate_feedback(args: argparse.Namespace) -> int:
    """Simulated welfare-manager feedback on a judged collection's matches, as JSONL."""
    from recommender.catalogue import load_catalogue
    from recommender.evaluation.collection import load_collection
    from recommender.evaluation.feedback_simulation import FeedbackSimulator
    from recommender.evaluation.report import as_of_for, load_intakes
    from recommender.feedback import write_feedback_jsonl

    coll = load_collection(args.collection)
    catalogue = load_catalogue(coll.catalogue_path)
    intakes = load_intakes(coll, catalogue.provinces())
    as_of = as_of_for(coll, args.as_of)
    sim = FeedbackSimulator(examination_eta=args.eta, noise=args.noise, sessions_per_case=args.sessions, seed=args.seed)
    pipe = _pipeline(catalogue, args.encoder)
    records = sim.simulate(list(pipe.match_many(intakes, as_of=as_of, top_k=sim.depth)), coll.qrels)
    n = write_feedback_jsonl(args.output, records)
    positive = sum(r.positive for r in records)
    print(f"[welfare-match] {n} feedback events ({positive} positive) on {len(intakes)} cases x {args.sessions} sessions, written to {args.output}", file=sys.stderr)
    return 0


def cmd_train_ranker(args: argparse.Namespace) -> int:
    """Learn a re-ranker from feedback, cross-validate it, log and register it in MLflow."""
    from recommender.evaluation.feedback_experiment import event_cv_metrics
    from recommender.feedback import read_feedback_jsonl
    from recommender.models.reranker import FeedbackReranker, log_reranker
    from recommender.tracking import log_metrics, log_params, start_run, tracking_uri

    if args.feedback:
        source = str(Path(args.feedback))
        records = read_feedback_jsonl(args.feedback)
    else:
        from recommender.store.feedback_export import export_feedback_report

        source = f"tenant {args.tenant}"
        export = export_feedback_report(_store(), args.tenant)
        records = export.records
        print(f"[welfare-match] tenant '{args.tenant}': {export.events} feedback events, {len(records)} suggestions with feedback; "
              f"{export.skipped_without_features} skipped (stored without score components)", file=sys.stderr)
    params = {k: v for k, v in (("depth", args.depth), ("blend", args.blend)) if v is not None}
    try:
        cv = event_cv_metrics(records, folds=5, reranker_params=params, seed=args.seed)
        model = FeedbackReranker(**params, random_state=args.seed).fit(records)
    except ValueError as exc:
        raise InputError(Issue(str(exc)), source=source) from exc
    with start_run("train-ranker", experiment="welfare-match-reranker", tags={"source": source}) as run:
        run_id = run.info.run_id
        log_params(run_id, {**model.get_params(), "source": source, "cv_folds": 5, "cv_groups": "intake_ref"})
        log_metrics(run_id, {f"cv_{k}": v for k, v in cv.items()})
        info = log_reranker(model, run_id, args.register)
    print(f"{int(cv['events'])} feedback events, {cv['positive_rate']:.1%} positive; 5-fold cross-validation grouped by intake:")
    print(f"{'':<12}{'re-ranker':>12}{'pipeline':>12}")
    for name, label in (("log_loss", "log-loss"), ("brier", "Brier"), ("roc_auc", "ROC AUC")):
        print(f"{label:<12}{cv[name]:>12.4f}{cv['baseline_' + name]:>12.4f}")
    print(f"MLflow run {run_id} ({tracking_uri()})")
    print(f"registered model {args.register} version {info.registered_model_version}: use it with --ranker models:/{args.register}/{info.registered_model_version}")
    return 0


def cmd_build_encoder(args: argparse.Namespace) -> int:
    from recommender.models.encoder import ensure_static_model

    print(f"[welfare-match] static encoder ready at {ensure_static_model()}", file=sys.stderr)
    return 0


def _store():
    from recommender.store.database import connect, upgrade

    engine = connect()
    upgrade(engine)
    return engine


def cmd_tenant(args: argparse.Namespace) -> int:
    from recommender.store import tenants

    db = _store()
    if args.tenant_command == "create":
        t = tenants.create_tenant(db, args.name, store_notes=args.store_notes, retention_days=args.retention_days)
        print(f"tenant '{t.name}' created (store notes: {'yes' if t.store_notes else 'no'}, retention {t.retention_days} days)")
        print(f"next: recommender key create {t.name}")
    elif args.tenant_command == "set":
        t = tenants.update_tenant(db, args.name, store_notes=args.store_notes, retention_days=args.retention_days)
        print(f"tenant '{t.name}': store notes {'yes' if t.store_notes else 'no'}, retention {t.retention_days} days")
    else:
        for t in tenants.list_tenants(db):
            print(f"{t.name}\tstore_notes={'yes' if t.store_notes else 'no'}\tretention_days={t.retention_days}\tcatalogue={'yes' if t.catalogue_id else 'no'}")
    return 0


def cmd_key(args: argparse.Namespace) -> int:
    from recommender.store import tenants

    db = _store()
    if args.key_command == "create":
        key_id, key = tenants.create_key(db, args.tenant, label=args.label, admin=args.admin)
        role = " (administrator: may also read GET /v1/insights)" if args.admin else ""
        print(f"key id {key_id} for tenant '{args.tenant}'{role} (shown once, store it now):", file=sys.stderr)
        print(key)
    elif args.key_command == "revoke":
        k = tenants.revoke_key(db, args.key_id)
        print(f"key {k.id} of tenant '{k.tenant_name}' revoked at {k.revoked_at:%Y-%m-%d %H:%M:%S}")
    else:
        for k in tenants.list_keys(db, args.tenant):
            state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
            state += ", admin" if k.admin else ""
            print(f"{k.id}\t{k.tenant_name}\t{state}\t{k.label}")
    return 0


def _new_password(args: argparse.Namespace) -> str:
    """The password from stdin (one line) or typed twice at a prompt that does not echo it."""
    import getpass

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InputError(Issue("no password on standard input"), source="--password-stdin")
        return password
    if not sys.stdin.isatty():
        raise InputError(Issue("no terminal to ask the password on: pass it with --password-stdin"), source="password")
    first = getpass.getpass(f"password for '{args.username}': ")
    if getpass.getpass("again: ") != first:
        raise InputError(Issue("the two passwords differ"), source="password")
    return first


def cmd_user(args: argparse.Namespace) -> int:
    """Welfare managers who log in to the review page."""
    from recommender.store import users

    db = _store()
    if args.user_command == "create":
        from recommender.store.tenants import require_tenant

        require_tenant(db, args.tenant)  # a bad tenant or username fails before the password is asked
        users.check_username(args.username)
        u = users.create_user(db, args.tenant, args.username, _new_password(args), display_name=args.display_name or "")
        print(f"user '{u.username}' ({u.display_name}) created for tenant '{u.tenant_name}': log in at /login")
    elif args.user_command == "disable":
        u = users.disable_user(db, args.username)
        print(f"user '{u.username}' of tenant '{u.tenant_name}' disabled at {u.disabled_at:%Y-%m-%d %H:%M:%S}; its sessions are ended")
    else:
        for u in users.list_users(db, args.tenant):
            state = f"disabled {u.disabled_at:%Y-%m-%d}" if u.disabled_at else "active"
            print(f"{u.username}\t{u.tenant_name}\t{state}\t{u.display_name}")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from recommender.store.matches import purge

    report = purge(_store(), days=args.days, dry_run=args.dry_run)
    verb = "would clear" if args.dry_run else "cleared"
    print(f"{verb} the notes of {report.notes_cleared} match(es) and {report.comments_cleared} feedback comment(s) past retention")
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from recommender.store.database import connect, current_revision, database_url, head_revision, upgrade

    engine = connect()
    if args.db_command == "upgrade":
        upgrade(engine)
    from sqlalchemy.engine import make_url

    print(f"{make_url(database_url()).render_as_string(hide_password=True)}: schema revision {current_revision(engine)} (latest {head_revision()})")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import logging

    import uvicorn

    from api.app import create_app
    from api.settings import Settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    overrides = {"encoder": None if args.encoder == "none" else args.encoder}
    if args.ranker:
        overrides["ranker"] = args.ranker
    settings = Settings.from_env(**overrides)
    if args.demo:
        _demo_tenant(args)
    app = create_app(settings)
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_level="warning" if args.quiet else "info", timeout_graceful_shutdown=10)
    return 0


DEMO_USERNAME = "operatore"
DEMO_PASSWORD = "demo-welfare"


def _demo_tenant(args: argparse.Namespace) -> None:
    """A 'demo' tenant on the bundled catalogue with a fresh key, printed for the user."""
    from recommender.catalogue import load_catalogue
    from recommender.paths import FIXTURES_DIR
    from recommender.store import tenants
    from recommender.store.catalogues import get_catalogue, save_catalogue

    db = _store()
    tenant = tenants.get_tenant(db, "demo") or tenants.create_tenant(db, "demo")
    path = FIXTURES_DIR / "catalogue.csv"
    text = path.read_text(encoding="utf-8")
    current = get_catalogue(db, tenant.catalogue_id) if tenant.catalogue_id else None
    if current is None or current.csv_text != text:
        save_catalogue(db, tenant, text, len(load_catalogue(path)))
    tenants.revoke_keys_labelled(db, "demo", "demo")  # one live demo key at a time
    _, key = tenants.create_key(db, "demo", label="demo")
    from recommender.store.users import reset_user

    # The review page's demo account, documented in the README: for local use only.
    reset_user(db, "demo", DEMO_USERNAME, DEMO_PASSWORD, display_name="Operatore demo")
    base = f"http://{args.host}:{args.port}"
    print(
        f"""
welfare-match API on {base}  (OpenAPI docs: {base}/docs)
demo tenant 'demo' on the bundled catalogue ({path.name}); demo API key:

    {key}

try:
    curl -s -H 'X-API-Key: {key}' -H 'Content-Type: application/json' \\
      -d '{{"id": "prova-1", "comune": "Trescore Balneario", "notes": "Mamma di 84 anni non riesce più a lavarsi da sola, io lavoro tutto il giorno"}}' \\
      {base}/v1/match

review page for welfare managers: {base}/
    demo account (local use only): user '{DEMO_USERNAME}', password '{DEMO_PASSWORD}'
""",
        flush=True,
    )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="recommender", description="welfare-match: needs-to-service matching for Italian welfare platforms")
    sub = p.add_subparsers(dest="command", required=True)

    m = sub.add_parser("match", help="match a JSONL file of intakes against a catalogue")
    m.add_argument("--catalogue", required=True, help="catalogue CSV (contract import format)")
    m.add_argument("--input", required=True, help="intakes, one JSON object per line")
    m.add_argument("--output", required=True, help="results JSONL (written atomically)")
    m.add_argument("--top-k", type=_positive_int, default=10)
    m.add_argument("--as-of", type=_date, default=None, help="reference date of the quality policy (default: today)")
    m.add_argument("--skip-invalid", action="store_true", help="skip bad intake lines and report them instead of failing")
    m.add_argument("--encoder", default=os.environ.get("WELFARE_MATCH_ENCODER", "default"), help="sentence-transformers model name or path; 'none' disables the dense channel")
    m.add_argument("--ranker", help="learned re-ranker: models:/NAME/VERSION, NAME/VERSION, NAME (latest) or a model path")
    m.add_argument("--workers", type=_workers, default=1, help="matching processes, output in input order (default 1)")
    m.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None, help="progress bar on stderr (default: on a terminal)")
    m.set_defaults(func=cmd_match)

    from recommender.insights.command import add_parser as add_insights_parser

    add_insights_parser(sub, os.environ.get("WELFARE_MATCH_ENCODER", "default"))

    e = sub.add_parser("evaluate", help="evaluate the engine and the BM25 baseline on a judged collection")
    e.add_argument("collection", help="directory in the eval-sample format")
    e.add_argument("--as-of", type=_date, default=None, help="reference date (default: the collection's)")
    e.add_argument("--top-k", type=_positive_int, default=10)
    e.add_argument("--encoder", default=os.environ.get("WELFARE_MATCH_ENCODER", "default"))
    e.add_argument("--json", help="also write metrics and per-case results to this file")
    e.add_argument("--ablations", action="store_true", help="every ablation variant, with paired significance tests against the full pipeline")
    e.add_argument("--variants", help="comma-separated variants to run instead (e.g. full,lexical_only,learned_reranker)")
    e.add_argument("--ranker", help="learned re-ranker for the pipeline: models:/NAME/VERSION, NAME/VERSION, NAME (latest) or a model path")
    e.add_argument("--tuned-encoder", help="encoder of the tuned_encoder variant (default: the one `recommender train-encoder` built, if any)")
    e.add_argument("--seed", type=int, default=0, help="seed of the significance tests and the feedback simulation")
    e.add_argument("--experiment", default=None, help="MLflow experiment (default: welfare-match-evaluation)")
    e.add_argument("--no-track", action="store_true", help="do not log to MLflow")
    e.set_defaults(func=cmd_evaluate)

    d = sub.add_parser("demo", help="match the bundled sample intakes and print the suggestions")
    d.add_argument("--limit", type=_positive_int, default=6)
    d.add_argument("--top-k", type=_positive_int, default=6)
    d.add_argument("--as-of", type=_date, default=None)
    d.add_argument("--encoder", default=os.environ.get("WELFARE_MATCH_ENCODER", "default"))
    d.set_defaults(func=cmd_demo)
    sf = sub.add_parser("simulate-feedback", help="simulate welfare managers' feedback on a judged collection (JSONL of feedback records)")
    sf.add_argument("collection", help="directory in the eval-sample format")
    sf.add_argument("--output", required=True, help="feedback records JSONL (written atomically)")
    sf.add_argument("--sessions", type=_positive_int, default=5, help="managers per case, each an independent draw")
    sf.add_argument("--eta", type=_eta, default=1.0, help="position bias: P(looked at rank r) = r ** -eta")
    sf.add_argument("--noise", type=_unit_float, default=0.1, help="share of looked-at outcomes flipped")
    sf.add_argument("--seed", type=int, default=0)
    sf.add_argument("--as-of", type=_date, default=None, help="reference date (default: the collection's)")
    sf.add_argument("--encoder", default=os.environ.get("WELFARE_MATCH_ENCODER", "default"))
    sf.set_defaults(func=cmd_simulate_feedback)

    tr = sub.add_parser("train-ranker", help="learn a re-ranker from feedback, cross-validate it and register it in MLflow")
    src = tr.add_mutually_exclusive_group(required=True)
    src.add_argument("--feedback", help="feedback records JSONL (e.g. from simulate-feedback)")
    src.add_argument("--tenant", help="a tenant's feedback from the store (DATABASE_URL)")
    tr.add_argument("--register", default="welfare-match-reranker", help="registered model name")
    tr.add_argument("--depth", type=_positive_int, default=None, help="candidates re-ranked per match (default 30)")
    tr.add_argument("--blend", type=_unit_float, default=None, help="weight of the learned probability against the pipeline's score (default 0.6)")
    tr.add_argument("--seed", type=int, default=0)
    tr.set_defaults(func=cmd_train_ranker)

    b = sub.add_parser("build-encoder", help="build the default static encoder into the cache (done once, offline)")
    b.set_defaults(func=cmd_build_encoder)

    t = sub.add_parser("train-encoder", help="tune the sentence encoder on a judged Italian collection (offline, CPU)")
    t.add_argument("collection", nargs="?", default=str(Path(__file__).resolve().parent.parent / "data" / "fixtures"))
    t.add_argument("--output", help="model directory (default: the cache, used by --encoder default)")
    t.add_argument("--base", default="packaged", help="encoder to start from (name or path)")
    t.add_argument("--epochs", type=_positive_int, default=2)
    t.add_argument("--seed", type=int, default=13)
    t.add_argument("--log-model", action="store_true", help="also store the tuned model as an MLflow artifact (about 90 MB)")
    t.set_defaults(func=cmd_train_encoder)

    srv = sub.add_parser("serve", help="serve the HTTP API (DATABASE_URL selects the store; SQLite under data/store/ by default)")
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=8000)
    srv.add_argument("--demo", action="store_true", help="create the 'demo' tenant on the bundled catalogue and print a fresh demo key")
    srv.add_argument("--quiet", action="store_true", help="log warnings only (no access log)")
    srv.add_argument("--encoder", default=os.environ.get("WELFARE_MATCH_ENCODER", "default"))
    srv.add_argument("--ranker", default=None, help="learned re-ranker for every tenant (models:/NAME/VERSION, NAME or a path; default: $WELFARE_MATCH_RANKER, else none)")
    srv.set_defaults(func=cmd_serve)

    ten = sub.add_parser("tenant", help="manage tenants (platforms)")
    tsub = ten.add_subparsers(dest="tenant_command", required=True)
    tc = tsub.add_parser("create", help="create a tenant")
    tc.add_argument("name", help="2-63 lowercase letters, digits, '.', '_' or '-'")
    tc.add_argument("--store-notes", action="store_true", help="keep intake notes with the matches (off by default)")
    tc.add_argument("--retention-days", type=_days, default=30, help="days before stored notes and comments are purged")
    ts = tsub.add_parser("set", help="change a tenant's privacy settings")
    ts.add_argument("name")
    ts.add_argument("--store-notes", action=argparse.BooleanOptionalAction, default=None)
    ts.add_argument("--retention-days", type=_days, default=None)
    tsub.add_parser("list", help="list tenants")
    ten.set_defaults(func=cmd_tenant)

    key = sub.add_parser("key", help="manage API keys")
    ksub = key.add_subparsers(dest="key_command", required=True)
    kc = ksub.add_parser("create", help="create an API key for a tenant (printed once)")
    kc.add_argument("tenant")
    kc.add_argument("--label", default="", help="what the key is for")
    kc.add_argument("--admin", action="store_true", help="an administrator key: may also read the tenant's insights (GET /v1/insights)")
    kr = ksub.add_parser("revoke", help="revoke a key by its id")
    kr.add_argument("key_id")
    kl = ksub.add_parser("list", help="list keys (ids only, never secrets)")
    kl.add_argument("tenant", nargs="?")
    key.set_defaults(func=cmd_key)

    usr = sub.add_parser("user", help="manage welfare managers' accounts for the review page")
    usub = usr.add_subparsers(dest="user_command", required=True)
    uc = usub.add_parser("create", help="create a user of a tenant (asks the password twice, or reads it with --password-stdin)")
    uc.add_argument("tenant")
    uc.add_argument("username", help="2-64 lowercase letters, digits, '.', '_', '@' or '-'")
    uc.add_argument("--display-name", default="", help="the name shown on the pages and on the referral sheet")
    uc.add_argument("--password-stdin", action="store_true", help="read the password (at least 10 characters) from the first line of stdin")
    ul = usub.add_parser("list", help="list users (never passwords)")
    ul.add_argument("tenant", nargs="?")
    ud = usub.add_parser("disable", help="disable a user and end its sessions")
    ud.add_argument("username")
    usr.set_defaults(func=cmd_user)

    pu = sub.add_parser("purge", help="clear stored notes and feedback comments past each tenant's retention")
    pu.add_argument("--days", type=_days, default=None, help="override: clear everything older than this many days")
    pu.add_argument("--dry-run", action="store_true")
    pu.set_defaults(func=cmd_purge)

    db = sub.add_parser("db", help="database schema (Alembic migrations)")
    dsub = db.add_subparsers(dest="db_command", required=True)
    dsub.add_parser("upgrade", help="upgrade the schema to the latest revision")
    dsub.add_parser("status", help="show the schema revision")
    db.set_defaults(func=cmd_db)
    return p


def main(argv: list[str] | None = None) -> int:
    from threadpoolctl import threadpool_limits

    args = build_parser().parse_args(argv)
    try:
        # The matrix products of ranking are small; idle OpenBLAS threads spinning beside
        # torch's made a transformer encoder twice as slow on two cores.
        with threadpool_limits(limits=1, user_api="blas"):
            return args.func(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (RuntimeError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        from sqlalchemy.exc import OperationalError

        if isinstance(exc, OperationalError):
            print(f"error: cannot reach the database ({type(exc.orig).__name__}); check DATABASE_URL", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
