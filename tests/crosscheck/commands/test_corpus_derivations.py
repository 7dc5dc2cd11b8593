"""Students' derivations written from the mathematics alone (corpus_derivations.py): every
correct one holds, and every wrong one is caught at the exact row of its slip."""

import importlib.util
import os

import pytest

from crosscheck.commands.derive import check_derivation

_SPEC = importlib.util.spec_from_file_location(
    "corpus_derivations", os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus_derivations.py"))
_CORPUS = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_CORPUS)
CASES = _CORPUS.CASES


def test_the_corpus_is_the_size_the_issue_asks_for():
    assert len(CASES) >= 30
    assert sum(not c["ok"] for c in CASES) >= 10 and sum(c["ok"] for c in CASES) >= 10


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_each_derivation_gets_its_verdict_and_first_wrong_row(case):
    result = check_derivation(case["text"], timeout=120)
    assert result.ok == case["ok"], [(s.row, s.status, s.reason) for s in result.steps if not s.ok]
    assert result.first_wrong == case["first_wrong"], [(s.row, s.status, s.reason) for s in result.steps]
    if not case["ok"]:
        wrong = next(s for s in result.steps if s.row == case["first_wrong"])
        assert wrong.status == "differs" and wrong.reason
