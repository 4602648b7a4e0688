"""Compare memory representations on held-out folds: TF-IDF (word+char) vs SmolLM2 embeddings.

    .venv/bin/python -m bench.scenarios.learn_representations --data DIR --rows 600 \
        --out /tmp/repr.json

Reads the labelled CSVs in place from ``--data DIR``, else ``$TICKETBOT_BENCH_DATA`` (it stops
with a message when neither is set or a file is missing). For each file: the first --rows rows,
5 stratified folds; logistic regression and 1-nearest-neighbour on each representation;
macro-F1 and time.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion

from bench.paths import CLASSIFY_DATASETS, DataMissing, data_dir

MODEL = Path(__file__).resolve().parents[2] / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"


def rows(data: Path, name: str, limit: int) -> tuple[list[str], np.ndarray]:
    with (data / name).open(newline="", encoding="utf-8") as handle:
        got = list(csv.DictReader(handle))[:limit]
    return [r["text"] for r in got], np.array([r["label"] for r in got])


def tfidf() -> FeatureUnion:
    return FeatureUnion([
        ("w", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
        ("c", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
    ])


def embed(texts: list[str], max_tokens: int) -> np.ndarray:
    from llama_cpp import Llama

    model = Llama(model_path=str(MODEL), embedding=True, n_ctx=512, verbose=False,
                  pooling_type=1)  # mean pooling
    out = []
    for text in texts:
        tokens = model.tokenize(text.encode("utf-8"))[:max_tokens]
        vector = np.array(model.embed(model.detokenize(tokens).decode("utf-8", "ignore")))
        out.append(vector / (np.linalg.norm(vector) or 1.0))
    return np.vstack(out)


def score(features: object, labels: np.ndarray, dense: np.ndarray | None, texts: list[str]):
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    lr, nn = [], []
    for train, test in folds.split(texts, labels):
        if dense is None:
            vec = tfidf()
            x_train = vec.fit_transform([texts[i] for i in train])
            x_test = vec.transform([texts[i] for i in test])
        else:
            x_train, x_test = dense[train], dense[test]
        model = LogisticRegression(C=10.0, max_iter=2000).fit(x_train, labels[train])
        lr.append(f1_score(labels[test], model.predict(x_test), average="macro"))
        sims = x_test @ x_train.T
        sims = sims.toarray() if hasattr(sims, "toarray") else sims
        nn.append(f1_score(labels[test], labels[train][sims.argmax(1)], average="macro"))
    return {"logreg_macro_f1": float(np.mean(lr)), "nn1_macro_f1": float(np.mean(nn))}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scenarios.learn_representations")
    parser.add_argument("--data", type=Path, default=None,
                        help="folder with the labelled CSVs (default: $TICKETBOT_BENCH_DATA)")
    parser.add_argument("--rows", type=int, default=600)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--no-embed", action="store_true")
    parser.add_argument("--files", nargs="+",
                        default=list(CLASSIFY_DATASETS),
                        help="Which files of the data folder to measure.")
    parser.add_argument("--max-tokens", type=int, default=256,
                        help="Embed only the first N tokens of each ticket.")
    args = parser.parse_args()
    try:
        data = data_dir(args.data, args.files)
    except DataMissing as missing:
        parser.error(str(missing))
    report: dict[str, object] = {"rows": args.rows, "max_tokens": args.max_tokens}
    for name in args.files:
        texts, labels = rows(data, name, args.rows)
        started = time.perf_counter()
        entry = {"tfidf": score(None, labels, None, texts)}
        entry["tfidf"]["seconds"] = time.perf_counter() - started
        if not args.no_embed:
            started = time.perf_counter()
            dense = embed(texts, args.max_tokens)
            spent = time.perf_counter() - started
            entry["smollm2_embedding"] = score(None, labels, dense, texts)
            entry["smollm2_embedding"]["embed_ms_per_ticket"] = spent * 1000 / len(texts)
        report[name] = entry
        print(name, json.dumps(entry), flush=True)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
