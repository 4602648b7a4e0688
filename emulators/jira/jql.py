"""The subset of JQL the bot sends: clauses joined by AND, and ORDER BY."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import JiraHTTPError

_TOKEN = re.compile(
    r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<op>!=|!~|>=|<=|=|~|>|<|\(|\)|,)"""
    r"""|(?P<word>[^\s=!~(),"'<>]+))"""
)
JQL_FIELDS = {
    "project",
    "key",
    "issuekey",
    "labels",
    "status",
    "statuscategory",
    "text",
    "summary",
    "issuetype",
    "type",
    "reporter",
    "assignee",
    "updated",
    "created",
}
DATE_FIELDS = {"updated", "created"}
ORDER_FIELDS = {"key", "created", "updated", "summary", "status", "priority", "issuetype"}


@dataclass
class Clause:
    field: str
    op: str  # "=", "!=", "~", "!~", ">", ">=", "<", "<=", "in", "not in", "is", "is not"
    values: list[str | None]


def _jql_error(message: str) -> JiraHTTPError:
    return JiraHTTPError(400, [f"Error in the JQL Query: {message}"])


def tokenize(jql: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = jql.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise _jql_error(f"The character '{text[position]}' is a reserved JQL character.")
        position = match.end()
        if match.group("str") is not None:
            raw = match.group("str")[1:-1]
            tokens.append(("str", re.sub(r"\\(.)", r"\1", raw)))
        elif match.group("op") is not None:
            tokens.append(("op", match.group("op")))
        elif match.group("word") is not None:
            tokens.append(("word", match.group("word")))
    return tokens


class JqlParser:
    """``clause (AND clause)* [ORDER BY field [ASC|DESC], …]``; OR is not supported."""

    def __init__(self, jql: str) -> None:
        self.tokens = tokenize(jql)
        self.pos = 0

    def parse(self) -> tuple[list[Clause], list[tuple[str, bool]]]:
        clauses: list[Clause] = []
        while self.pos < len(self.tokens) and not self._at_word("order"):
            if clauses:
                self._expect_word("and")
            clauses.append(self._clause())
        order = self._order() if self._at_word("order") else []
        if self.pos != len(self.tokens):
            raise _jql_error(f"Expecting end of query but got '{self.tokens[self.pos][1]}'.")
        return clauses, order

    def _at_word(self, word: str) -> bool:
        return (
            self.pos < len(self.tokens)
            and self.tokens[self.pos][0] == "word"
            and self.tokens[self.pos][1].lower() == word
        )

    def _expect_word(self, word: str) -> None:
        if not self._at_word(word):
            got = self.tokens[self.pos][1] if self.pos < len(self.tokens) else "end of query"
            raise _jql_error(f"Expecting '{word.upper()}' but got '{got}'.")
        self.pos += 1

    def _next(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise _jql_error("Expecting more of the query.")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _clause(self) -> Clause:
        kind, name = self._next()
        field_name = name.lower()
        if kind == "op" or field_name not in JQL_FIELDS:
            raise JiraHTTPError(
                400, [f"Field '{name}' does not exist or you do not have permission to view it."]
            )
        return Clause(field_name, *self._operator_and_values())

    def _operator_and_values(self) -> tuple[str, list[str | None]]:
        kind, op = self._next()
        if kind == "op" and op in ("=", "!=", "~", "!~"):
            return op, [self._value()]
        if kind == "op" and op in (">", ">=", "<", "<="):
            return op, [self._value()]
        lowered = op.lower()
        if lowered == "not":
            self._expect_word("in")
            return "not in", self._value_list()
        if lowered == "in":
            return "in", self._value_list()
        if lowered == "is":
            negated = self._at_word("not")
            self.pos += 1 if negated else 0
            self._expect_word("empty") if not self._at_word("null") else self._expect_word("null")
            return ("is not" if negated else "is"), [None]
        raise _jql_error(f"Expecting an operator but got '{op}'.")

    def _value(self) -> str:
        kind, value = self._next()
        if kind == "op":
            raise _jql_error(f"Expecting a value but got '{value}'.")
        return value

    def _value_list(self) -> list[str | None]:
        if self._next() != ("op", "("):
            raise _jql_error("Expecting '(' after IN.")
        values: list[str | None] = [self._value()]
        while self._next() == ("op", ","):
            values.append(self._value())
        if self.tokens[self.pos - 1] != ("op", ")"):
            raise _jql_error("Expecting ')' to close the list.")
        return values

    def _order(self) -> list[tuple[str, bool]]:
        self._expect_word("order")
        self._expect_word("by")
        order: list[tuple[str, bool]] = []
        while True:
            name = self._value().lower()
            if name not in ORDER_FIELDS:
                raise _jql_error(f"Not able to sort using field '{name}'.")
            descending = False
            if self._at_word("asc") or self._at_word("desc"):
                descending = self.tokens[self.pos][1].lower() == "desc"
                self.pos += 1
            order.append((name, descending))
            if self.pos < len(self.tokens) and self.tokens[self.pos] == ("op", ","):
                self.pos += 1
                continue
            return order
