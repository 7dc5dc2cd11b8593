"""claims: the course material's statements, each with its source and a decided verdict."""

import json

import pytest

from crosscheck.commands.cli import main

# ---- claims ------------------------------------------------------------------------------------

EXPECTED_CLAIMS = {
    "lab4-sheet-ref-eps-mean": "false",
    "lab4-weights-sum": "holds only when t = 1 (alpha_bar_{t-1} = 1)",
    "lecture-weights-sum": "holds only when t = 1 (alpha_bar_{t-1} = 1)",
    "lecture-weights-trend": "false",
    "lab4-quickref-loss-indexing": "false",
    "lab4-debug-tip-indexing": "false",
    "lab4-weights-plot-indexing": "holds only when its t is read as paper step t+1",
    "notes-code-indexing": "holds only when its t is read as paper step t+1",
    "lab4-marginal-loop-indexing": "holds",
    "notes-three-ways-3": "false",
    "notes-elbo-reconstruction-kl": "holds",
    "lab4-sheet-step3-bayes": "holds only when t >= 2",
    "lecture-bayes": "holds only when t >= 2",
    "lab4-prior-near-zero": "holds only when alpha_bar_T is near 0 (e.g. T = 1000)",
    "lecture-kl-mse-same-variance": "holds only when sigma_t^2 = beta_tilde_t",
    "notes-denoising-proportional": "holds only when sigma_t^2 = beta_tilde_t",
    "lab3-kl-asymmetry": "holds",
    "lab3-gaussian-kl": "holds",
    "lecture-posterior-mean": "holds",
    "lecture-kl-form": "holds",
    "lab4-sheet-ref-reverse-variance": "holds",
    "lab4-test-data-clusters": "false",
    "lab4-marginal-estimator": "false",
    "lab4-weights-insight": "false",
    # as written: no expectation over x_t around the KLs (and, in Step 4, no limits on the sum)
    "lab4-sheet-step4-three-forces": "false",
    "lab4-sheet-ref-three-forces": "false",
}


SEED_FILES = {"000_05736417279549ee.txt", "001_9b62014e9fd6e4cc.txt", "002_c60e226d0cd28d12.txt",
              "003_ef815805d98d9bde.txt", "004_8c9cf9a9587ade68.txt"}


@pytest.fixture(scope="module")
def audit():
    from crosscheck.commands.claims import audit
    return {r.claim.id: r for r in audit()}


def test_claims_verdicts(audit):
    for claim_id, verdict in EXPECTED_CLAIMS.items():
        assert audit[claim_id].verdict == verdict, (claim_id, audit[claim_id].detail)


def test_three_forces_claim_is_decided_as_written(audit):
    # Regression: transcribed as the catalog's proved form (with E_q(x_t|x_0) and t = 2..T), so
    # it was marked "holds"; as the sheet writes it, each KL is a function of x_t, not a number.
    result = audit["lab4-sheet-step4-three-forces"]
    assert "needs an outer expectation over q(x_t|x_0)" in result.detail
    assert "corrected reading" in result.claim.note and "elbo_kl_form" in result.claim.note


def test_every_claim_has_a_source_and_a_decided_verdict(audit):
    for result in audit.values():
        c = result.claim
        assert c.source.split()[0] in SEED_FILES, c.source
        assert c.section and c.statement and result.verdict != "undecided", c.id
        if not result.holds:
            assert result.detail


def test_claims_engine_catches_a_broken_transcription():
    from dataclasses import replace
    from crosscheck.commands.claims import BY_ID, audit_claim
    broken = replace(BY_ID["lab3-gaussian-kl"], formula="log(sigma_1/sigma_2) + (sigma_1^2 + (mu_1-mu_2)^2)/(2 sigma_2^2) - 0.5")
    assert audit_claim(broken).verdict == "false"
    from crosscheck.commands.claims import Read
    original = BY_ID["lab4-marginal-loop-indexing"]
    shifted = replace(original, reads=(Read("trajectory", 1, 0, False),) + original.reads[1:])  # x_{t+1} for x_t
    assert audit_claim(shifted).verdict == "false"


def test_cli_claims_json(tmp_path, capsys):
    out = tmp_path / "claims.json"
    assert main(["claims", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["summary"]["false"] >= 5 and len(report["claims"]) >= 40
    assert all({"source", "section", "statement", "verdict"} <= set(c) for c in report["claims"])
