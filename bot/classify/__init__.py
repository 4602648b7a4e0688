"""Ticket classification: one interface over local and remote models, chained with fallbacks.

    chain = build_chain(settings.classifier)
    chain.start()                           # optional: load the local model in the background
    result = await chain.classify(text)     # Classification(label, confidence, backend, ...)
    await chain.aclose()
"""

from bot.classify.chain import ClassifierChain
from bot.classify.registry import REGISTRY, build_backend, build_chain
from bot.classify.retry import BackendRetry
from bot.classify.types import Backend, BackendAnswer, Classification, Example

__all__ = [
    "REGISTRY",
    "Backend",
    "BackendAnswer",
    "BackendRetry",
    "Classification",
    "ClassifierChain",
    "Example",
    "build_backend",
    "build_chain",
]
