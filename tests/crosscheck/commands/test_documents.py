"""crosscheck.commands.documents: a student's file as derivations and rows."""

import pytest

from crosscheck.commands import documents
from crosscheck.commands.documents import DocumentError, derivations, kind_of, split_relations


def rows(text, kind="tex"):
    return [[(p.relation, p.text) for p in row.parts] for d in derivations(text, kind) for row in d.rows]


def test_an_align_is_one_derivation_with_numbered_rows_and_file_lines():
    text = "intro\n\\begin{align*}\n a &= b \\\\\n   &= c \\\\[2pt]\n   &\\geq d\n\\end{align*}\n"
    (found,) = derivations(text, "tex")
    assert found.kind == "align" and found.line == 2
    assert [r.number for r in found.rows] == [1, 2, 3]
    assert [r.line for r in found.rows] == [3, 4, 5]
    assert rows(text) == [[(None, "a"), ("=", "b")], [("=", "c")], [(">=", "d")]]


def test_comments_labels_tags_and_numbering_marks_are_layout():
    text = ("\\begin{align}\n a &= b \\label{eq:1} \\nonumber \\\\ % a comment = wrong\n"
            " &= c \\tag{3} \\notag\n\\end{align}\n% \\begin{align} x = y \\end{align}\n")
    assert rows(text) == [[(None, "a"), ("=", "b")], [("=", "c")]]


def test_split_and_aligned_inside_an_equation_are_rows():
    text = "\\begin{equation}\\begin{split} a &= b\\\\ &= c \\end{split}\\end{equation}"
    assert rows(text) == [[(None, "a"), ("=", "b")], [("=", "c")]]


def test_dollars_and_brackets_and_every_display_kind_are_found():
    text = "$$ a = b $$ and \\[ c = d \\] and \\begin{gather*} e = f \\end{gather*} inline $g = h$"
    kinds = [d.kind for d in derivations(text, "tex")]
    assert kinds == ["$$", "\\[", "gather"]


def test_a_display_without_relation_is_not_a_derivation():
    assert derivations("$$ \\mathcal{L} $$ $$ a = b $$", "tex")[0].rows[0].parts[1].text == "b"
    assert len(derivations("$$ \\mathcal{L} $$", "tex")) == 0


def test_markdown_code_fences_are_code():
    text = "```\n$$ a = b $$\n```\n\n$$ c = d $$\n"
    (found,) = derivations(text, "md")
    assert found.line == 5 and found.rows[0].parts[0].text == "c"


def test_plain_text_is_one_derivation_of_its_non_empty_lines():
    (found,) = derivations("# a comment\nx = 1\n\n= 2\n>= 3\n", "plain")
    assert [r.number for r in found.rows] == [1, 2, 3] and [r.line for r in found.rows] == [2, 4, 5]
    assert rows("x = 1\n= 2\n", "plain") == [[(None, "x"), ("=", "1")], [("=", "2")]]


@pytest.mark.parametrize("text, relations", [
    (r"a \geq b \ge c \geqslant d", [">=", ">=", ">="]),
    (r"a \leq b \le c", ["<=", "<="]),
    (r"a \overset{\text{Jensen}}{\geq} b \stackrel{(a)}{=} c", [">=", "="]),
    (r"a := b \triangleq c \coloneqq d", ["=", "=", "="]),
    (r"a \propto b", ["propto"]),
    (r"a \approx b", ["approx"]),
    ("a ≥ b ≤ c ∝ d", [">=", "<=", "propto"]),
    (r"\mathbb{E}_{x \sim \mathcal{N}(0, 1)}[f(x = 1)] = b", ["="]),     # relations inside groups stay
    (r"\left( a = b \right) = c", ["="]),
])
def test_relations_are_split_at_the_top_level_only(text, relations):
    assert [p.relation for p in split_relations(text)[1:]] == relations


def test_a_relation_with_an_empty_side_is_refused_with_the_place():
    with pytest.raises(DocumentError, match="line 2, row 1: a relation with nothing on one side"):
        derivations("\n\\begin{align} a = = b \\end{align}", "tex")


@pytest.mark.parametrize("row, math, remark, condition", [
    (r"&= a \quad \text{when } \sigma_t^2 = \tilde\beta_t", r"&= a", "when", r"\sigma_t^2 = \tilde\beta_t"),
    (r"&= a^2, \quad\text{when } \sigma_t^2 = \tilde\beta_t", r"&= a^2", "when", r"\sigma_t^2 = \tilde\beta_t"),
    (r"&= a^2 \qquad (\sigma_t^2=\tilde\beta_t)", r"&= a^2", r"\sigma_t^2=\tilde\beta_t", r"\sigma_t^2=\tilde\beta_t"),
    (r"&= f(x) \quad (3)", r"&= f(x) \quad (3)", None, None),
    (r"&= a \qquad \text{(Bayes' rule)}", r"&= a", "(Bayes' rule)", None),
    (r"&= a + \text{const}", r"&= a + \text{const}", None, None),
    (r"\text{ELBO} &= a", r"\text{ELBO} &= a", None, None),
    (r"&= D_{\text{KL}}(q \| p) \quad\text{for } t \geq 2", r"&= D_{\text{KL}}(q \| p)", "for", r"t \geq 2"),
])
def test_a_trailing_remark_is_taken_off_and_a_condition_kept(row, math, remark, condition):
    got_math, got_remark, got_condition = documents._remark(row)
    assert got_math.strip() == math.strip()
    assert (got_remark or None) == remark if remark is None else got_remark.startswith(remark)
    assert got_condition == condition


def test_limits_on_size():
    with pytest.raises(DocumentError, match="NUL"):
        derivations("a = b\x00", "plain")
    with pytest.raises(DocumentError, match="characters; the limit"):
        derivations("a" * (documents.MAX_CHARACTERS + 1), "plain")
    with pytest.raises(DocumentError, match="rows in its derivations"):
        derivations("a = b\n" * (documents.MAX_ROWS + 1), "plain")


@pytest.mark.parametrize("name, text, kind", [
    ("hw.tex", "", "tex"), ("HW.LaTeX", "", "tex"), ("notes.md", "", "md"), ("steps.txt", "a = b", "plain"),
    ("<stdin>", "\\begin{align} a = b \\end{align}", "tex"), ("<stdin>", "$$ a = b $$", "md"),
    ("<stdin>", "a = b", "plain"),
])
def test_the_kind_of_a_file(name, text, kind):
    assert kind_of(name, text) == kind
