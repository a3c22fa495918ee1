"""Domain tuning of the sentence encoder on Italian welfare pairs (offline, CPU).

The packaged all-MiniLM-L6-v2 is English-only; a short contrastive tuning on pairs from
a judged Italian collection teaches it the domain's vocabulary:
- (intake notes, text of a service graded 3 for that intake): what a welfare manager
  writes against what the catalogue says;
- (service name and description, Italian description of its main need).
The loss is the symmetric in-batch-negatives loss of sentence-transformers'
MultipleNegativesRankingLoss, written as a plain PyTorch loop so that tuning needs no
extra training libraries. The result is a normal sentence-transformers model directory that
``Encoder`` loads by path or as ``"default"``.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable
from pathlib import Path

from recommender.needs import NEED_BY_CODE


def training_pairs(collection_dir: Path | str, min_grade: int = 3, seed: int = 13) -> list[tuple[str, str]]:
    root = Path(collection_dir)
    with open(root / "catalogue.csv", encoding="utf-8", newline="") as fh:
        services = {r["service_id"]: f"{r['name']}. {r['description']}" for r in csv.DictReader(fh)}
    pairs: list[tuple[str, str]] = []
    truth_path = root / "service_truth.csv"
    if truth_path.exists():
        with open(truth_path, encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                main = r["true_needs"].split(";")[0]
                if r["service_id"] in services and main in NEED_BY_CODE:
                    pairs.append((services[r["service_id"]], NEED_BY_CODE[main].description_it))
    notes = {}
    with open(root / "intakes.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                obj = json.loads(line)
                if obj.get("notes"):
                    notes[obj["id"]] = obj["notes"]
    qrels_path = root / "qrels.tsv"
    if qrels_path.exists():
        with open(qrels_path, encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh, delimiter="\t"):
                if int(r["grade"]) >= min_grade and r["case_id"] in notes and r["service_id"] in services:
                    pairs.append((notes[r["case_id"]], services[r["service_id"]]))
    random.Random(seed).shuffle(pairs)
    return pairs


def train_encoder(
    collection_dir: Path | str,
    output_dir: Path | str,
    base: str = "packaged",
    epochs: int = 1,
    batch_size: int = 16,
    lr: float = 3e-5,
    scale: float = 20.0,
    seed: int = 13,
    on_step: Callable[[int, float], None] | None = None,
) -> dict:
    """Fine-tune ``base`` on the collection's pairs and save it to ``output_dir``;
    ``on_step(step, loss)`` is called after each optimisation step (experiment tracking)."""
    import torch
    import torch.nn.functional as F
    from sentence_transformers import SentenceTransformer

    from recommender.models.encoder import resolve_encoder

    torch.manual_seed(seed)
    rng = random.Random(seed)
    pairs = training_pairs(collection_dir, seed=seed)
    if not pairs:
        raise ValueError(f"no training pairs in {collection_dir}")
    model = SentenceTransformer(resolve_encoder(base), device="cpu")
    model.max_seq_length = 192
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    steps_per_epoch = (len(pairs) + batch_size - 1) // batch_size
    total = steps_per_epoch * epochs
    warmup = max(1, total // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (total - s) / max(1, total - warmup)) if s >= warmup else (s + 1) / warmup)

    def embed(texts: list[str]):
        features = (model.preprocess if hasattr(model, "preprocess") else model.tokenize)(texts)
        return F.normalize(model(features)["sentence_embedding"], dim=-1)

    model.train()
    losses: list[float] = []
    for _ in range(epochs):
        order = list(range(len(pairs)))
        rng.shuffle(order)
        for b in range(0, len(order), batch_size):
            # in-batch negatives: drop pairs whose anchor or positive repeats in the batch
            batch, seen = [], set()
            for i in order[b : b + batch_size]:
                a, p = pairs[i]
                if a in seen or p in seen:
                    continue
                seen.update((a, p))
                batch.append((a, p))
            if len(batch) < 2:
                continue
            anchors = embed([a for a, _ in batch])
            positives = embed([p for _, p in batch])
            scores = anchors @ positives.T * scale
            labels = torch.arange(len(batch))
            loss = (F.cross_entropy(scores, labels) + F.cross_entropy(scores.T, labels)) / 2
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
            if on_step is not None:
                on_step(len(losses), losses[-1])
    model.eval()
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save(str(out))
    info = {
        "base": base, "collection": str(collection_dir), "pairs": len(pairs), "epochs": epochs,
        "batch_size": batch_size, "lr": lr, "seed": seed,
        "loss_first": round(sum(losses[:10]) / max(1, len(losses[:10])), 4),
        "loss_last": round(sum(losses[-10:]) / max(1, len(losses[-10:])), 4),
    }
    (out / "welfare_match_tuning.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    return info
