"""Choose the encoder's head and token budget: TF-IDF alone, the encoder alone, and both.

    .venv/bin/python -m bench.scenarios.encoder_views --data DIR [--tokens 128 256] \
        [--cache DIR] [--out FILE]

For github_issues and apache_jira (read in place from ``--data DIR`` or
``$TICKETBOT_BENCH_DATA``): the packaged encoder (``bot.learn.encoder``, one thread) embeds every
row once per token budget (cached in ``--cache`` as .npy, so heads can be compared again
without re-encoding), timing one ticket at a time on the first 100 rows (the per-ticket
latency) and batches for the rest (cached under the encoder's id: the converted encoder and the
shipped one never share a file). Then, with the warm split of the README's figures (train on
the first part of the file, score the rest) and with 5 folds over the whole file, macro-F1 of:
the encoder's embeddings with the memory's dense head (``bot.learn.dense_head``); TF-IDF (the
memory's ``TfidfSpace``, lean hashing) as one unit vector per row and per block
(``weigh_blocks``: what the memory's head uses), each with scikit-learn's SGD logistic model and
the lean NumPy head (``bot.learn.sparse_head``); and each of those averaged with the encoder
head at weights ¼, ½ and 1 (``bot.learn.views``).
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import f1_score

from bench.paths import DataMissing, data_dir
from bot.learn.dense_head import DenseHead
from bot.learn.encoder import load_encoder
from bot.learn.fit import epochs
from bot.learn.sparse_head import SparseHead
from bot.learn.vectors import TfidfSpace, weigh_blocks
from bot.settings_encoder import EncoderSettings

FILES = {"github_issues.dev.csv": 1488, "apache_jira.dev.csv": 1374}  # warm rows, as the README
LATENCY_ROWS = 100
WEIGHTS = (0.25, 0.5, 1.0)  # the encoder head's weight in the average (TF-IDF's is 1)
FOLDS = 5


def new_model() -> SGDClassifier:
    """The memory's TF-IDF head as it was measured (logistic loss, SGD)."""
    return SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=20, tol=None, random_state=0)


def rows(path: Path) -> tuple[list[str], np.ndarray]:
    with path.open(newline="", encoding="utf-8") as handle:
        got = list(csv.DictReader(handle))
    return [r["text"] for r in got], np.array([r["label"] for r in got])


def embed(texts: list[str], tokens: int, cache: Path, name: str) -> tuple[np.ndarray, dict]:
    encoder = load_encoder(EncoderSettings(max_tokens=tokens))
    file = cache / f"{name}.{tokens}.{encoder.id.replace('/', '-')}.npy"
    meta_file = file.with_suffix(".json")
    if file.exists() and meta_file.exists():
        return np.load(file), json.loads(meta_file.read_text())
    single = []
    for text in texts[:LATENCY_ROWS]:
        started = time.perf_counter()
        encoder.encode_one(text)
        single.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    vectors = encoder.encode(texts)
    batch_s = time.perf_counter() - started
    meta = {"encoder": encoder.id, "rows": len(texts),
            "one_ticket_ms_p50": float(np.percentile(single, 50)),
            "one_ticket_ms_p95": float(np.percentile(single, 95)),
            "batched_ms_per_row": batch_s * 1000 / len(texts)}
    cache.mkdir(parents=True, exist_ok=True)
    np.save(file, vectors)
    meta_file.write_text(json.dumps(meta))
    return vectors, meta


def tfidf_matrices(train: list[str], test: list[str], *, per_block: bool
                   ) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """The memory's TF-IDF rows: one unit vector each, or per block (``weigh_blocks``)."""
    space = TfidfSpace(lean=True)
    counts = space.counts(train)
    space.learn(counts)
    if per_block:
        return weigh_blocks(counts, space.scale()), weigh_blocks(space.counts(test), space.scale())
    return space.weigh(counts), space.weigh(space.counts(test))


def score_split(texts: list[str], y: np.ndarray, vectors: np.ndarray,
                train: np.ndarray, test: np.ndarray) -> dict[str, float]:
    tr_t, te_t = [texts[i] for i in train], [texts[i] for i in test]
    classes = np.unique(y[train])
    head = DenseHead.fit(vectors[train], list(y[train]))
    p_enc = np.array([[p[c] for c in classes] for p in head.probabilities_many(vectors[test])])
    out: dict[str, float] = {}

    def score(name: str, p: np.ndarray) -> None:
        out[name] = f1_score(y[test], classes[p.argmax(axis=1)], average="macro")

    score("encoder", p_enc)
    for per_block in (False, True):
        a, b = tfidf_matrices(tr_t, te_t, per_block=per_block)
        view = "tfidf per block" if per_block else "tfidf one vector"
        p_sgd = new_model().fit(a, y[train]).predict_proba(b)
        lean = SparseHead.fit(a, y[train], epochs(len(train)))
        p_lean = np.array([[p[c] for c in classes] for p in lean.probabilities_many(b)])
        for head_name, p in (("scikit-learn SGD", p_sgd), ("lean", p_lean)):
            score(f"{view}, {head_name}", p)
            for weight in WEIGHTS:
                score(f"{view}, {head_name} + encoder x{weight:g}",
                      (p + weight * p_enc) / (1 + weight))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--tokens", type=int, nargs="+", default=[128, 256])
    parser.add_argument("--cache", type=Path, default=Path("build/encoder-cache"))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--folds", action="store_true", help="also 5 folds over each file")
    args = parser.parse_args()
    try:
        data = data_dir(args.data, list(FILES))
    except DataMissing as exc:
        raise SystemExit(str(exc)) from exc
    report: dict[str, dict] = {}
    for name, warm in FILES.items():
        texts, y = rows(data / name)
        for tokens in args.tokens:
            vectors, meta = embed(texts, tokens, args.cache, name)
            order = np.arange(len(texts))
            result = {"encoder": meta,
                      "warm": score_split(texts, y, vectors, order[:warm], order[warm:])}
            if args.folds:
                per_fold = [score_split(texts, y, vectors, order[order % FOLDS != k],
                                        order[order % FOLDS == k]) for k in range(FOLDS)]
                result["folds"] = {key: float(np.mean([f[key] for f in per_fold]))
                                   for key in per_fold[0]}
            report[f"{name} {tokens}"] = result
            print(f"{name} {tokens} tokens: {json.dumps(result)}", flush=True)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
