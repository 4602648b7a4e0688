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

``--variants`` also scores what else a frozen encoder allows, each beside the default (per
block, lean, encoder ½): the two views in one head (the encoder's vector appended to the TF-IDF
row, ×½ and ×1, with the title's vector too), scikit-learn's exact ``LogisticRegression`` for
TF-IDF (C 3, 10, 30), other penalties for both heads, and a third view voting with the 10
nearest encoder vectors.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import f1_score

from bench.paths import DataMissing, data_dir
from bot.learn.dense_head import DenseHead
from bot.learn.encoder import load_encoder
from bot.learn.fit import epochs
from bot.learn.sparse_head import SparseHead
from bot.learn.vectors import TfidfSpace, first_line, weigh_blocks
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


def score_variants(texts: list[str], y: np.ndarray, vectors: np.ndarray, titles: np.ndarray,
                   train: np.ndarray, test: np.ndarray) -> dict[str, float]:
    """The variants of ``--variants`` (see the module docstring) on one split."""
    from sklearn.linear_model import LogisticRegression

    a, b = tfidf_matrices([texts[i] for i in train], [texts[i] for i in test], per_block=True)
    classes = np.unique(y[train])
    out: dict[str, float] = {}

    def probabilities(head: SparseHead | DenseHead, rows: Any) -> np.ndarray:
        return np.array([[p[c] for c in classes] for p in head.probabilities_many(rows)])

    def score(name: str, p: np.ndarray) -> None:
        out[name] = f1_score(y[test], classes[p.argmax(axis=1)], average="macro")

    p_tfidf = probabilities(SparseHead.fit(a, y[train], epochs(len(train))), b)
    p_enc = probabilities(DenseHead.fit(vectors[train], list(y[train])), vectors[test])
    score("default: per block, lean + encoder x0.5", (p_tfidf + 0.5 * p_enc) / 1.5)
    for scale in (0.5, 1.0):
        for with_title in (False, True):
            blocks = [vectors, titles] if with_title else [vectors]
            wide_a = sp.hstack([a, *(sp.csr_matrix(scale * m[train]) for m in blocks)]).tocsr()
            wide_b = sp.hstack([b, *(sp.csr_matrix(scale * m[test]) for m in blocks)]).tocsr()
            view = f"one head, encoder appended x{scale:g}{' with the title' if with_title else ''}"
            score(f"{view}, lean", probabilities(
                SparseHead.fit(wide_a.astype(np.float32), y[train], epochs(len(train))),
                wide_b.astype(np.float32)))
            for c in (3, 10):
                model = LogisticRegression(C=c, max_iter=500).fit(wide_a, y[train])
                score(f"{view}, LogisticRegression C={c}", model.predict_proba(wide_b))
    for c in (3, 10, 30):
        p = LogisticRegression(C=c, max_iter=300).fit(a, y[train]).predict_proba(b)
        score(f"LogisticRegression C={c} + encoder x0.5", (p + 0.5 * p_enc) / 1.5)
    for alpha in (3e-6, 3e-5):
        p = probabilities(SparseHead.fit(a, y[train], epochs(len(train)), alpha=alpha), b)
        score(f"lean alpha={alpha:g} + encoder x0.5", (p + 0.5 * p_enc) / 1.5)
    for l2 in (1e-4, 3e-3):
        p = probabilities(DenseHead.fit(vectors[train], list(y[train]), l2=l2), vectors[test])
        score(f"lean + encoder l2={l2:g} x0.5", (p_tfidf + 0.5 * p) / 1.5)
    similarity = vectors[test] @ vectors[train].T
    nearest = np.argsort(-similarity, axis=1)[:, :10]
    weights = np.take_along_axis(similarity, nearest, axis=1)
    votes = np.stack([(weights * (y[train][nearest] == c)).sum(axis=1) for c in classes], axis=1)
    votes /= votes.sum(axis=1, keepdims=True)
    score("default + 10 nearest encoder vectors x0.25",
          (p_tfidf + 0.5 * p_enc + 0.25 * votes) / 1.75)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--tokens", type=int, nargs="+", default=[128, 256])
    parser.add_argument("--cache", type=Path, default=Path("build/encoder-cache"))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--folds", action="store_true", help="also 5 folds over each file")
    parser.add_argument("--variants", action="store_true",
                        help="also the other frozen-encoder variants (module docstring)")
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
            if args.variants:
                titles, _ = embed([first_line(t) for t in texts], tokens, args.cache,
                                  f"{name}.title")
                splits = [(order[:warm], order[warm:])]
                if args.folds:
                    splits += [(order[order % FOLDS != k], order[order % FOLDS == k])
                               for k in range(FOLDS)]
                scored = [score_variants(texts, y, vectors, titles, tr, te) for tr, te in splits]
                result["variants warm"] = scored[0]
                if args.folds:
                    result["variants folds"] = {key: float(np.mean([f[key] for f in scored[1:]]))
                                                for key in scored[1]}
            report[f"{name} {tokens}"] = result
            print(f"{name} {tokens} tokens: {json.dumps(result)}", flush=True)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
