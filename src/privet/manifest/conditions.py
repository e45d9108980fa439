"""Row conditions in the manifest, in a small safe grammar.

    status = 'rejected' and decided_at is not null
    kind in ('upgrade', 'staging') or not (attended = true)

Identifiers are column names, literals are quoted text, numbers, ``true``/``false``/``null``.
The text is parsed into a tree at load time; a datastore turns the tree into SQLAlchemy
expressions with bound parameters, so no text from YAML ever becomes SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

Scalar = str | int | float | bool | None
Operator = Literal["=", "!=", "<", "<=", ">", ">="]


class ConditionError(ValueError):
    """A condition that does not parse; ``offset`` is the character where it went wrong."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True)
class Comparison:
    column: str
    operator: Operator
    value: Scalar


@dataclass(frozen=True)
class InList:
    column: str
    values: tuple[Scalar, ...]
    negated: bool = False


@dataclass(frozen=True)
class IsNull:
    column: str
    negated: bool = False


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    part: Node


Node = Comparison | InList | IsNull | And | Or | Not

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*')
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op><=|>=|!=|<>|=|<|>)
      | (?P<punct>[(),])
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "is", "null", "true", "false"}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    offset: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            offset = position + (len(text[position:]) - len(text[position:].lstrip()))
            raise ConditionError(
                f"unexpected `{text[offset]}`; a condition uses column names, quoted 'text', "
                "numbers, = != < <= > >=, in (...), is [not] null, and, or, not",
                offset,
            )
        kind = match.lastgroup or ""
        token_text = match.group(kind)
        tokens.append(_Token(kind, token_text, match.start(kind)))
        position = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at_word(self, *words: str) -> bool:
        return self.current.kind == "word" and self.current.text.lower() in words

    def expect_punct(self, symbol: str) -> None:
        if self.current.kind != "punct" or self.current.text != symbol:
            raise ConditionError(f"expected `{symbol}`", self.current.offset)
        self.advance()

    def parse(self) -> Node:
        if self.current.kind == "end":
            raise ConditionError("the condition is empty", 0)
        node = self.parse_or()
        if self.current.kind != "end":
            raise ConditionError(
                f"unexpected `{self.current.text}`; join conditions with `and` / `or`",
                self.current.offset,
            )
        return node

    def parse_or(self) -> Node:
        parts = [self.parse_and()]
        while self.at_word("or"):
            self.advance()
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def parse_and(self) -> Node:
        parts = [self.parse_not()]
        while self.at_word("and"):
            self.advance()
            parts.append(self.parse_not())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def parse_not(self) -> Node:
        if self.at_word("not"):
            self.advance()
            return Not(self.parse_not())
        if self.current.kind == "punct" and self.current.text == "(":
            self.advance()
            node = self.parse_or()
            self.expect_punct(")")
            return node
        return self.parse_predicate()

    def parse_predicate(self) -> Node:
        token = self.current
        if token.kind != "word" or token.text.lower() in _KEYWORDS:
            raise ConditionError(f"expected a column name, found `{token.text or 'the end'}`",
                                 token.offset)
        column = self.advance().text
        if self.at_word("is"):
            self.advance()
            negated = False
            if self.at_word("not"):
                self.advance()
                negated = True
            if not self.at_word("null"):
                raise ConditionError("expected `null` after `is`", self.current.offset)
            self.advance()
            return IsNull(column, negated)
        negated = False
        if self.at_word("not"):
            self.advance()
            negated = True
            if not self.at_word("in"):
                raise ConditionError("expected `in` after `not`", self.current.offset)
        if self.at_word("in"):
            self.advance()
            self.expect_punct("(")
            values = [self.parse_literal()]
            while self.current.kind == "punct" and self.current.text == ",":
                self.advance()
                values.append(self.parse_literal())
            self.expect_punct(")")
            return InList(column, tuple(values), negated)
        if self.current.kind != "op":
            raise ConditionError(
                f"expected a comparison after `{column}` (=, !=, <, <=, >, >=, in, is null)",
                self.current.offset,
            )
        operator = self.advance().text
        if operator == "<>":
            operator = "!="
        value = self.parse_literal()
        if value is None:
            raise ConditionError(f"compare with null using `{column} is null`", token.offset)
        return Comparison(column, operator, value)  # type: ignore[arg-type]

    def parse_literal(self) -> Scalar:
        token = self.advance()
        if token.kind == "string":
            return token.text[1:-1].replace("''", "'")
        if token.kind == "number":
            return float(token.text) if "." in token.text else int(token.text)
        if token.kind == "word" and token.text.lower() in {"true", "false"}:
            return token.text.lower() == "true"
        if token.kind == "word" and token.text.lower() == "null":
            return None
        raise ConditionError(
            f"expected a value ('quoted text', a number, true or false), found "
            f"`{token.text or 'the end'}`",
            token.offset,
        )


def columns_of(node: Node) -> set[str]:
    """The column names a condition reads."""
    if isinstance(node, Comparison | InList | IsNull):
        return {node.column}
    if isinstance(node, Not):
        return columns_of(node.part)
    return set().union(*(columns_of(part) for part in node.parts))


@dataclass(frozen=True)
class Condition:
    """A parsed row condition; ``text`` is what the manifest says, ``tree`` what runs."""

    text: str
    tree: Node

    @classmethod
    def parse(cls, text: str) -> Condition:
        return cls(text.strip(), _Parser(text).parse())

    @property
    def columns(self) -> set[str]:
        return columns_of(self.tree)

    def __str__(self) -> str:
        return self.text

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: Any) -> Condition:
            if isinstance(value, Condition):
                return value
            if not isinstance(value, str):
                raise ValueError("a condition is text, e.g. \"status = 'rejected'\"")
            try:
                return cls.parse(value)
            except ConditionError as exc:
                raise ValueError(f"{exc} (at character {exc.offset + 1} of the condition)") from exc

        return core_schema.no_info_plain_validator_function(
            validate, serialization=core_schema.plain_serializer_function_ser_schema(str)
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "description": "A row condition: column = 'value', in (...), is [not] null, "
            "combined with and / or / not.",
            "examples": ["status = 'rejected'", "last_used_at is null and kind in ('a', 'b')"],
        }
