r"""Reading a student's file into derivations and rows, for ``derive``.

* **LaTeX** (``.tex``): every display environment (``align``, ``align*``, ``equation`` with
  ``split``/``aligned`` inside, ``gather``, ``eqnarray``, ``multline``, ``flalign``), ``$$ … $$``
  and ``\[ … \]``; inline ``$…$`` is prose.  Comments (``%``) are removed first.
* **Markdown** (``.md``): the same displays, outside fenced code blocks.
* **Plain text**: one derivation, one row per non-empty line (``#`` starts a comment line).

A display is one derivation; its rows are split at ``\\`` and numbered from 1.  Alignment ``&``,
``\nonumber``, ``\notag``, ``\label{..}`` and ``\tag{..}`` are layout.  A row is then split at
its top-level relations (``=``, ``\geq``, ``\leq``, ``\propto``, ``:=``, ``\overset{..}{=}``, ...),
and a trailing remark (``\text{by Bayes' rule}``, ``\quad\text{for } t \geq 2``) is taken off: a
remark that states a condition (``\text{when } \sigma_t^2 = \tilde\beta_t``) is kept as the row's
condition.  Nothing here evaluates the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Largest file read, in characters (a homework file is a few pages).
MAX_CHARACTERS = 1_000_000
#: Most rows in one file.
MAX_ROWS = 2_000

EQ, GE, LE, PROPTO, APPROX, GT, LT = "=", ">=", "<=", "propto", "approx", ">", "<"


class DocumentError(ValueError):
    """The file cannot be read as derivations (the message names the place)."""


@dataclass(frozen=True)
class Part:
    """One side of a row: the text of an expression, and the relation that leads to it."""

    relation: str | None          # None for the row's left side
    text: str


@dataclass(frozen=True)
class Row:
    number: int                   # from 1 within the derivation
    line: int                     # where the row starts in the file (1-based)
    source: str                   # the row as written
    parts: tuple[Part, ...]       # left side (relation None) and each relation with its right side
    condition: str | None = None  # the math of a trailing "when/if/where ..." remark
    remark: str | None = None     # the trailing remark's words


@dataclass(frozen=True)
class Derivation:
    kind: str                     # align, equation, $$, \[, lines, ...
    line: int                     # where it starts in the file
    rows: tuple[Row, ...]


# ---------------------------------------------------------------------------------------------
# Finding the displays.

_ENVIRONMENTS = ("align", "equation", "gather", "eqnarray", "multline", "flalign", "alignat", "displaymath", "math")
_DISPLAY = re.compile(
    r"\\begin\{(?P<env>(?:" + "|".join(_ENVIRONMENTS) + r")\*?)\}(?:\{\d+\})?(?P<body>.*?)\\end\{(?P=env)\}"
    r"|\$\$(?P<dollars>.*?)\$\$"
    r"|\\\[(?P<brackets>.*?)\\\]", re.S)
_INNER = re.compile(r"\\(?:begin|end)\{(?:split|aligned|alignedat|gathered)\*?\}(?:\{\d+\})?|\\(?:nonumber|notag)\b")


def _strip_comments(text: str) -> str:
    """TeX comments (``%`` to the end of the line, not ``\\%``) removed; line numbers kept."""
    return re.sub(r"(?<!\\)%[^\n]*", "", text)


def _blank_fences(text: str) -> str:
    """Markdown fenced code blocks replaced by as many empty lines (their math is code)."""
    def blank(match):
        return "\n" * match.group(0).count("\n")
    return re.sub(r"^(```|~~~).*?^\1[^\n]*$", blank, text, flags=re.S | re.M)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _split_rows(body: str) -> list[tuple[int, str]]:
    r"""``body`` split at ``\\`` (brace depth 0), with each piece's offset in ``body``."""
    rows, depth, start, i = [], 0, 0, 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and body.startswith("\\\\", i):
            if depth == 0:
                rows.append((start, body[start:i]))
                i += 2
                m = re.match(r"\s*\[[^\]]*\]", body[i:])          # \\[2pt]
                if m:
                    i += m.end()
                start = i
                continue
            i += 2
            continue
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        i += 1
    rows.append((start, body[start:]))
    return rows


def derivations(text: str, kind: str) -> list[Derivation]:
    """The derivations of a file whose ``kind`` is 'tex', 'md' or 'plain'."""
    if len(text) > MAX_CHARACTERS:
        raise DocumentError(f"the file has {len(text):,} characters; the limit is {MAX_CHARACTERS:,}")
    if "\x00" in text:
        raise DocumentError("the file contains a NUL character: it is not a text file")
    if kind == "plain":
        return _plain(text)
    source = _strip_comments(text) if kind == "tex" else _blank_fences(text)
    found = []
    for match in _DISPLAY.finditer(source):
        env = match.group("env")
        body_key = "body" if env else ("dollars" if match.group("dollars") is not None else "brackets")
        body, offset = match.group(body_key), match.start(body_key)
        rows = []
        for start, piece in _split_rows(body):
            cleaned = _clean(piece)
            if not cleaned.strip():
                continue
            line = _line_of(source, offset + start + len(piece) - len(piece.lstrip()))
            rows.append((line, piece.strip(), cleaned))
        derivation = _derivation(env.rstrip("*") if env else ("$$" if body_key == "dollars" else "\\["),
                                 _line_of(source, match.start()), rows)
        if derivation is not None:
            found.append(derivation)
    _check_size(found)
    return found


def _plain(text: str) -> list[Derivation]:
    rows = [(n, line.strip(), line.strip()) for n, line in enumerate(text.splitlines(), 1)
            if line.strip() and not line.lstrip().startswith("#")]
    derivation = _derivation("lines", rows[0][0] if rows else 1, rows)
    found = [derivation] if derivation is not None else []
    _check_size(found)
    return found


def _check_size(found: list[Derivation]) -> None:
    count = sum(len(d.rows) for d in found)
    if count > MAX_ROWS:
        raise DocumentError(f"the file has {count:,} rows in its derivations; the limit is {MAX_ROWS:,}")


def _clean(piece: str) -> str:
    text = _INNER.sub(" ", piece)
    text = re.sub(r"\\(?:label|tag\*?)\s*\{[^{}]*\}", " ", text)
    return text.replace("&", " ")


def _derivation(kind: str, line: int, rows: list[tuple[int, str, str]]) -> Derivation | None:
    """The display as a derivation; None when no row holds a relation (a display, not a derivation)."""
    parsed = []
    for number, (row_line, source, cleaned) in enumerate(rows, 1):
        math, remark, condition = _remark(cleaned)
        try:
            parts = split_relations(math)
        except DocumentError as err:
            raise DocumentError(f"line {row_line}, row {number}: {err}") from None
        parsed.append(Row(number, row_line, source, tuple(parts), condition, remark))
    if not any(p.relation for row in parsed for p in row.parts):
        return None
    return Derivation(kind, line, tuple(parsed))


# ---------------------------------------------------------------------------------------------
# Remarks and conditions at the end of a row.

_TEXT = re.compile(r"\\(?:text|textrm|textit|textnormal|mbox|mathrm|operatorname)\s*\{((?:[^{}]|\{[^{}]*\})*)\}")
_CONNECTIVES = ("for", "if", "when", "where", "with", "since", "because", "by", "using", "as", "provided",
                "assuming", "given", "iff", "and", "since", "from", "via", "(", "[")
_CONSTANT_WORDS = re.compile(r"^\s*(const\.?|constant|C|c|KL|E|d|Var|ELBO|VLB|simple|[A-Za-z])\s*$")


def _depth_at(text: str, end: int) -> int:
    depth = 0
    i = 0
    while i < end:
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in "{":
            depth += 1
        elif text[i] in "}":
            depth -= 1
        i += 1
    return depth


_TRAILING_SPACE = re.compile(r"(?:\s|\\q?quad\b|\\[,;:! ]|~|,)*$")
# a condition in parentheses set apart at the end: \qquad (\sigma_t^2 = \tilde\beta_t)
_PARENTHESISED = re.compile(r"(?:\\q?quad\b|\\[,;: ]|~|,)\s*\(\s*([^()]*?(?:=|\\geq?|\\leq?)[^()]*?)\s*\)\s*[.,;]?\s*$")


def _remark(text: str) -> tuple[str, str | None, str | None]:
    """The row's math, its trailing remark's words, and the condition the remark states."""
    m = _PARENTHESISED.search(text)
    if m and text[:m.start()].strip():
        return _TRAILING_SPACE.sub("", text[:m.start()]), m.group(1), m.group(1)
    for match in _TEXT.finditer(text):
        words = match.group(1)
        if _CONSTANT_WORDS.match(words) or _depth_at(text, match.start()) != 0:
            continue
        before = text[:match.start()]
        if not re.search(r"[^\s\\,;:!~]", re.sub(r"\\q?quad|\\[,;:! ]", "", before)):
            continue                      # a row that starts with a word: a label (\text{ELBO} = ...)
        first = words.strip().lower()
        after = text[match.end():]
        condition = after.strip() if re.search(r"[=<>]|\\(?:geq?|leq?|neq?)\b", after) and \
            first.split(" ")[0].strip("(") in ("for", "if", "when", "where", "with", "assuming", "provided",
                                               "given", "since", "as", "using") else None
        # what follows the remark that is no condition is part of the remark (\text{(Bayes)} \, (3))
        before = _TRAILING_SPACE.sub("", before)
        return before, (words.strip() + (" " + after.strip() if after.strip() and condition is None else "")), \
            (condition.strip(" ,.;") if condition else None)
    return text, None, None


# ---------------------------------------------------------------------------------------------
# Relations.

_RELATION_COMMANDS = {
    "geq": GE, "ge": GE, "geqslant": GE, "geqq": GE, "leq": LE, "le": LE, "leqslant": LE, "leqq": LE,
    "propto": PROPTO, "coloneqq": EQ, "triangleq": EQ, "eqqcolon": EQ, "doteq": EQ, "equiv": EQ,
    "approx": APPROX, "simeq": APPROX, "cong": APPROX, "gtrsim": APPROX, "lesssim": APPROX, "sim": APPROX,
    "gt": GT, "lt": LT, "neq": "!=", "ne": "!=",
}
_UNICODE_RELATIONS = {"≥": GE, "≤": LE, "∝": PROPTO, "≈": APPROX, "≔": EQ, "≜": EQ, "≡": EQ, "≠": "!="}
_STACKED = re.compile(r"\\(?:overset|stackrel|underset)\s*\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}\s*"
                      r"\{\s*(=|\\geq?|\\leq?|\\propto|\\approx|>|<|\\equiv|\\geqslant|\\leqslant)\s*\}")


def split_relations(text: str) -> list[Part]:
    """The row's sides and the relations between them, split at brace/bracket depth 0."""
    notes_relation = {}

    def stacked(match):
        notes_relation[match.start()] = match.group(1)
        return " " + match.group(2) + " "
    text = _STACKED.sub(stacked, text)
    parts: list[Part] = []
    relation, start, depth, i = None, 0, 0, 0
    n = len(text)

    def cut(end: int, new_relation: str, length: int) -> None:
        nonlocal relation, start
        parts.append(Part(relation, text[start:end].strip()))
        relation, start = new_relation, end + length
    while i < n:
        ch = text[i]
        if ch == "\\":
            m = re.match(r"\\([A-Za-z]+)", text[i:])
            if m:
                word = m.group(1)
                if word in ("left",):
                    depth += 1
                elif word in ("right",):
                    depth -= 1
                elif depth == 0 and word in _RELATION_COMMANDS:
                    cut(i, _RELATION_COMMANDS[word], m.end())
                    i += m.end()
                    continue
                i += m.end()
                continue
            i += 2
            continue
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        elif depth == 0:
            two = text[i:i + 2]
            if two in (">=", "<=", ":=", "=:", "==", "!="):
                cut(i, {">=": GE, "<=": LE, ":=": EQ, "=:": EQ, "==": EQ, "!=": "!="}[two], 2)
                i += 2
                continue
            if ch == "=":
                cut(i, EQ, 1)
            elif ch in _UNICODE_RELATIONS:
                cut(i, _UNICODE_RELATIONS[ch], 1)
            elif ch in "<>":
                cut(i, GT if ch == ">" else LT, 1)
        i += 1
    parts.append(Part(relation, text[start:].strip()))
    if parts and parts[0].text == "" and len(parts) > 1:
        parts = parts[1:]                       # '&= b': a continuation row
    for part in parts:
        if not part.text:
            raise DocumentError("a relation with nothing on one side")
    return parts


def kind_of(name: str, text: str) -> str:
    """'tex', 'md' or 'plain', from the file name, else from the content."""
    lower = name.lower()
    if lower.endswith((".tex", ".latex", ".ltx")):
        return "tex"
    if lower.endswith((".md", ".markdown", ".mdx", ".qmd", ".rmd")):
        return "md"
    if re.search(r"\\begin\{(" + "|".join(_ENVIRONMENTS) + r")\*?\}|\$\$|\\\[", text):
        return "tex" if re.search(r"\\begin\{|\\documentclass", text) else "md"
    return "plain"
