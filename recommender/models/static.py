"""Static distillation of a sentence-transformers encoder (the model2vec idea).

Every token of the encoder's vocabulary is run once through the transformer, alone
between [CLS] and [SEP]; its pooled output becomes a row of a static embedding table.
A sentence is then the weighted mean of its tokens' rows: a sentence-transformers model
made of one ``StaticEmbedding`` module, about a thousand times cheaper per query than the
transformer it comes from. Token weights follow SIF (a / (a + p(token))) with p estimated on
Italian welfare text, so frequent function pieces count less.

The result is saved as a normal sentence-transformers directory and loaded by ``Encoder``
like any other model, by name ("default") or by path.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np


def domain_corpus() -> list[str]:
    """Italian welfare text shipped with the project (catalogue and intake notes, no labels)."""
    import csv

    from recommender.paths import FIXTURES_DIR

    texts: list[str] = []
    with open(FIXTURES_DIR / "catalogue.csv", encoding="utf-8", newline="") as fh:
        texts.extend(f"{r['name']}. {r['description']}" for r in csv.DictReader(fh))
    with open(FIXTURES_DIR / "intakes.jsonl", encoding="utf-8") as fh:
        texts.extend(json.loads(line).get("notes") or "" for line in fh if line.strip())
    return texts


def distill_static(
    source: str,
    output_dir: Path | str,
    corpus: Iterable[str] = (),
    batch_size: int = 512,
    sif_a: float = 1e-3,
    vocab_limit: int | None = None,
) -> dict:
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    from tokenizers import Tokenizer

    teacher = SentenceTransformer(source, device="cpu")
    hf_tok = teacher.tokenizer
    transformer = teacher[0].auto_model
    vocab_size = hf_tok.vocab_size
    n_distilled = min(vocab_size, vocab_limit or vocab_size)  # a limit is for tests only
    cls_id, sep_id, pad_id = hf_tok.cls_token_id, hf_tok.sep_token_id, hf_tok.pad_token_id
    rows = np.zeros((vocab_size, transformer.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, n_distilled, batch_size):
            ids = torch.arange(start, min(start + batch_size, n_distilled))
            input_ids = torch.stack([torch.full_like(ids, cls_id), ids, torch.full_like(ids, sep_id)], dim=1)
            out = transformer(input_ids=input_ids, attention_mask=torch.ones_like(input_ids)).last_hidden_state
            rows[start : start + len(ids)] = out.mean(dim=1).numpy()
    for special in (cls_id, sep_id, pad_id):
        rows[special] = 0.0

    # SIF weights from token frequencies in the domain corpus
    counts: Counter[int] = Counter()
    for text in corpus:
        counts.update(hf_tok(text, add_special_tokens=False)["input_ids"])
    total = sum(counts.values())
    if total:
        p = np.array([counts.get(i, 0) / total for i in range(vocab_size)], dtype=np.float32)
        rows *= (sif_a / (sif_a + p))[:, None]

    tokenizer = Tokenizer.from_str(hf_tok.backend_tokenizer.to_str())
    tokenizer.no_padding()
    tokenizer.no_truncation()
    student = SentenceTransformer(modules=[StaticEmbedding(tokenizer, embedding_weights=rows)], device="cpu")
    out_dir = Path(output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    student.save(str(out_dir))
    info = {"source": source, "vocab_size": int(vocab_size), "dim": int(rows.shape[1]), "corpus_tokens": int(total), "sif_a": sif_a}
    (out_dir / "welfare_match_static.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    return info
