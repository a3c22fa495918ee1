"""Ablations: the full pipeline against variants that remove or swap one stage, each
compared case by case with paired significance tests.

The reference is the pipeline as deployed: hybrid text match (lexical BM25 and dense
encoder similarity), hidden-need surfacing, distance decay, soft quality signals and
per-need diversification. Each variant changes one thing, so its row in the table is the
contribution of that thing:

- ``lexical_only``: no encoder anywhere (text match and need surfacing by lexicon only);
- ``dense_only``: the service text match by encoder similarity only (needs still surfaced
  by the lexicon and the encoder);
- ``no_hidden_needs``: only the needs the intake states;
- ``no_distance_decay``: reachability still filters, but nearer is no longer better;
- ``no_quality_signals``: the quality policy still filters, but ratings, complaints and
  verification age no longer weigh;
- ``no_diversification``: one list by score, a need may crowd out the others;
- ``bm25_baseline``: keyword matching with the engine's filters (``recommender.baseline``);
- ``learned_reranker``: the full pipeline re-ranked by a model learned from simulated
  welfare-manager feedback, cross-fitted (no case's own feedback trains the model that
  ranks it); run only when asked for;
- ``tuned_encoder``: the full pipeline with a fine-tuned encoder (path given).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from recommender.catalogue import Catalogue
from recommender.evaluation.collection import Collection
from recommender.evaluation.experiment import CASE_METRICS, EvaluationRun, evaluate_system
from recommender.evaluation.significance import compare, holm
from recommender.intake import Intake
from recommender.models.encoder import Encoder
from recommender.pipeline import MatchPipeline, PipelineConfig

REFERENCE = "full"


def _with(config: PipelineConfig, **changes) -> PipelineConfig:
    cfg = copy.deepcopy(config)
    for dotted, value in changes.items():
        stage, name = dotted.split("__")
        setattr(cfg, stage, replace(getattr(cfg, stage), **{name: value}))
    return cfg


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    configure: Callable[[PipelineConfig], PipelineConfig] | None = None  # None: not a pipeline config change
    needs_encoder: bool = False


PIPELINE_VARIANTS: tuple[Variant, ...] = (
    Variant(REFERENCE, "full pipeline: hybrid lexical + dense text match, hidden needs, distance decay, quality signals, diversification", lambda c: c),
    Variant("lexical_only", "no encoder: lexical text match and lexicon-only need surfacing", lambda c: replace(copy.deepcopy(c), encoder=None)),
    Variant("dense_only", "service text match by encoder similarity only", lambda c: _with(c, ranking__lexical_weight=0.0, ranking__dense_weight=1.0), needs_encoder=True),
    Variant("no_hidden_needs", "stated needs only, no hidden-need surfacing", lambda c: _with(c, surfacing__surface_hidden=False)),
    Variant("no_distance_decay", "reachability filter kept, no preference for nearer services", lambda c: _with(c, ranking__use_distance_decay=False)),
    Variant("no_quality_signals", "quality policy filter kept, no rating/complaints/verification weighting", lambda c: _with(c, ranking__use_quality_signals=False)),
    Variant("no_diversification", "one list by score, no per-need diversification", lambda c: _with(c, ranking__diversify=False)),
)
BASELINE = Variant("bm25_baseline", "BM25 keyword matching over names and descriptions, with the engine's filters")
LEARNED_RERANKER = Variant("learned_reranker", "full pipeline re-ranked by a model learned from simulated feedback (cross-fitted)")
TUNED_ENCODER = Variant("tuned_encoder", "full pipeline with a fine-tuned encoder")

ALL_VARIANTS = tuple(v.name for v in PIPELINE_VARIANTS) + (BASELINE.name, LEARNED_RERANKER.name, TUNED_ENCODER.name)


@dataclass
class AblationReport:
    reference: str
    runs: dict[str, EvaluationRun]
    comparisons: list[dict] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def _run_pipeline(pipe: MatchPipeline, intakes: list[Intake], as_of: date, top_k: int) -> list[dict]:
    return [r.to_json() for r in pipe.match_many(intakes, as_of=as_of, top_k=top_k)]


def run_ablations(
    collection: Collection,
    catalogue: Catalogue,
    intakes: list[Intake],
    as_of: date,
    *,
    config: PipelineConfig | None = None,
    variants: Iterable[str] | None = None,
    reranker=None,
    tuned_encoder: str | None = None,
    top_k: int = 10,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> AblationReport:
    """Evaluate the reference and each requested variant on the collection.

    ``reranker``: a learned re-ranker (``recommender.models.reranker``) that the reference
    itself uses, as deployed; ``variants``: names from ``ALL_VARIANTS`` (default: every
    pipeline variant and the baseline; ``learned_reranker`` and ``tuned_encoder`` only when
    named, or when ``tuned_encoder`` is given)."""
    config = config or PipelineConfig()
    wanted = list(variants) if variants is not None else [v.name for v in PIPELINE_VARIANTS] + [BASELINE.name] + ([TUNED_ENCODER.name] if tuned_encoder else [])
    unknown = [v for v in wanted if v not in ALL_VARIANTS]
    if unknown:
        raise ValueError(f"unknown variant(s) {unknown}; known: {list(ALL_VARIANTS)}")
    if REFERENCE not in wanted:
        wanted.insert(0, REFERENCE)
    say = progress or (lambda _msg: None)
    encoder = Encoder(config.encoder) if config.encoder else None
    report = AblationReport(REFERENCE, {})

    def evaluate(variant: Variant, results: list[dict], params: dict, extra: dict | None = None) -> None:
        run = evaluate_system(variant.name, results, collection, catalogue, intakes, description=variant.description, params=params, k=top_k)
        run.extra.update(extra or {})
        report.runs[variant.name] = run
        say(f"{variant.name}: nDCG@10 {run.metrics['ndcg@10']:.3f}")

    reference_pipe: MatchPipeline | None = None
    for variant in PIPELINE_VARIANTS:
        if variant.name not in wanted:
            continue
        if variant.needs_encoder and encoder is None:
            report.skipped[variant.name] = "needs an encoder (run with --encoder other than none)"
            continue
        cfg = variant.configure(config)
        pipe = MatchPipeline(cfg, encoder if cfg.encoder else None, reranker=reranker).fit(catalogue)
        if variant.name == REFERENCE:
            reference_pipe = pipe
        evaluate(variant, _run_pipeline(pipe, intakes, as_of, top_k), {**cfg.to_dict(), "reranker": _describe(reranker)})

    if BASELINE.name in wanted:
        from recommender.baseline import BM25Baseline

        base = BM25Baseline(config.policy, top_k).fit(catalogue)
        evaluate(BASELINE, [base.match(i, as_of, top_k).to_json() for i in intakes], {"policy": config.to_dict()["policy"], "top_k": top_k})

    if LEARNED_RERANKER.name in wanted:
        from recommender.evaluation.feedback_experiment import cross_fitted_results

        assert reference_pipe is not None
        if reranker is not None:
            # Learn on top of the pipeline without a re-ranker, as the simulated logs come
            # from the unlearned ranking.
            reference_pipe = MatchPipeline(config, encoder).fit(catalogue)
        outcome = cross_fitted_results(reference_pipe, collection, intakes, as_of, top_k=top_k, seed=seed)
        results = getattr(outcome, "results", outcome)
        extra = {"events_per_fold": getattr(outcome, "events_per_fold", None)}
        evaluate(LEARNED_RERANKER, results, {**config.to_dict(), "reranker": "cross-fitted FeedbackReranker on simulated feedback", "seed": seed}, extra)

    if TUNED_ENCODER.name in wanted:
        if not tuned_encoder:
            report.skipped[TUNED_ENCODER.name] = "no tuned encoder given (--tuned-encoder PATH; `recommender train-encoder` builds one)"
        else:
            cfg = replace(copy.deepcopy(config), encoder=tuned_encoder)
            pipe = MatchPipeline(cfg).fit(catalogue)
            evaluate(TUNED_ENCODER, _run_pipeline(pipe, intakes, as_of, top_k), cfg.to_dict())

    report.comparisons = compare_to_reference(report.runs, REFERENCE, seed=seed)
    return report


def _describe(reranker) -> str:
    return "none" if reranker is None else str(getattr(reranker, "source_", None) or type(reranker).__name__)


def compare_to_reference(runs: dict[str, EvaluationRun], reference: str, metrics: Iterable[str] = CASE_METRICS, seed: int = 0) -> list[dict]:
    """One row per (variant, metric): means, the mean difference with its 95% bootstrap
    interval, paired randomization and t-test p-values, and Holm-adjusted randomization
    p-values across the variants (per metric)."""
    ref = runs[reference]
    rows: list[dict] = []
    for metric in metrics:
        ref_values = ref.case_values(metric)
        block = []
        for name, run in runs.items():
            if name == reference:
                continue
            values = run.case_values(metric)
            ids = [i for i in ref_values if i in values]
            c = compare([ref_values[i] for i in ids], [values[i] for i in ids], seed=seed)
            block.append({
                "variant": name, "metric": metric, "n": c.n, "reference": c.mean_a, "value": c.mean_b, "delta": c.delta,
                "ci_low": c.ci_low, "ci_high": c.ci_high, "p_randomization": c.p_randomization, "p_t_test": c.p_t_test,
            })
        for row, p in zip(block, holm([r["p_randomization"] for r in block])):
            row["p_holm"] = p
        rows.extend(block)
    return rows


def comparison_table(report: AblationReport, metrics: Iterable[str] = ("ndcg@10", "recall@10", "need_coverage@5")) -> str:
    """A Markdown table: each variant's metrics, and for each case metric its difference to
    the reference with the Holm-adjusted randomization p-value."""
    metrics = list(metrics)
    by = {(r["variant"], r["metric"]): r for r in report.comparisons}
    head = ["variant", *metrics, *(f"Δ {m} (95% CI)" for m in metrics if m in CASE_METRICS), *(f"p {m}" for m in metrics if m in CASE_METRICS),
            "need F1", "surfaced F1", "exposure Gini", "coverage", "violations"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, run in report.runs.items():
        m = run.metrics
        cells = [name + (" (reference)" if name == report.reference else "")]
        cells += [f"{m[x]:.3f}" for x in metrics]
        for x in metrics:
            if x in CASE_METRICS:
                r = by.get((name, x))
                cells.append(f"{r['delta']:+.3f} [{r['ci_low']:+.3f}, {r['ci_high']:+.3f}]" if r else "–")
        for x in metrics:
            if x in CASE_METRICS:
                r = by.get((name, x))
                cells.append(_p(r["p_holm"]) if r else "–")
        cells += [f"{m['need_f1']:.3f}", f"{m['surfaced_f1']:.3f}", f"{m['exposure_gini']:.3f}", f"{m['catalogue_coverage']:.3f}", f"{int(m['violations@10'])}"]
        lines.append("| " + " | ".join(cells) + " |")
    for name, why in report.skipped.items():
        lines.append(f"\n{name}: skipped ({why})")
    lines.append("\np: paired randomization test over cases (10,000 sign flips), Holm-adjusted across variants; CI: bootstrap of the per-case difference.")
    return "\n".join(lines)


def _p(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"
