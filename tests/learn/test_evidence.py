"""The evidence behind the weights: pairs from tickets seen then confirmed, or stored."""

from __future__ import annotations

from bot.learn.combine import MIN_PAIRS, Probabilities
from bot.learn.evidence import Evidence

SURE_BUG: Probabilities = {"Bug": 0.9, "Task": 0.1}
SURE_TASK: Probabilities = {"Bug": 0.1, "Task": 0.9}


def test_a_ticket_seen_then_confirmed_is_one_pair() -> None:
    evidence = Evidence()
    evidence.seen("The app crashes", SURE_TASK, SURE_BUG)
    evidence.confirmed("The app crashes", "Bug", None, lambda text: None)
    evidence.confirmed("The app crashes", "Bug", None, lambda text: None)  # nothing noted now
    assert len(evidence) == 1


def test_stored_model_answers_pair_with_the_memorys_opinion_now() -> None:
    evidence = Evidence()
    asked: list[str] = []

    def memory_now(text: str) -> Probabilities:
        asked.append(text)
        return SURE_BUG

    evidence.confirmed("Classified by another replica", "Bug", SURE_TASK, memory_now)
    evidence.confirmed("Never classified by a model", "Bug", None, memory_now)
    assert len(evidence) == 1 and asked == ["Classified by another replica"]


def test_weights_are_refitted_as_the_evidence_grows() -> None:
    evidence = Evidence()
    for i in range(MIN_PAIRS):
        evidence.seen(f"ticket {i}", SURE_TASK, SURE_BUG)
        evidence.confirmed(f"ticket {i}", "Bug", None, lambda text: None)
        evidence.reweigh()
    assert evidence.weights.pairs == MIN_PAIRS
    assert evidence.weights.memory > evidence.weights.model  # the memory was the one right
