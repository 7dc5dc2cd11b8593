import pytest
import sympy as sp

from symbolic import kl
from symbolic import symbols
from symbolic.proof import Status, prove_equal


def test_gaussian_kl_is_derived_from_the_definition():
    proof = kl.prove_gaussian_kl()
    assert proof.status is Status.PROVED
    assert len(proof.steps) == 4  # raw moments, scalar, diagonal d=3, isotropic symbolic d
    assert proof.steps[0].claim == "raw moments" and len(proof.steps[0].steps) == 5


def test_a_wrong_raw_moment_is_refuted(monkeypatch):
    """The moment substitution rests on E[x^k]; (j-1)!! divided instead of multiplied differs
    first at k = 4 (E[x^4] = m^4 + 6 m^2 v + 3 v^2), which only the moment check reaches."""
    from symbolic import gaussian
    right = gaussian.gaussian_raw_moment

    def wrong(k, mean, var):
        return sp.Add(*[sp.binomial(k, j) * mean ** (k - j) * var ** (j // 2) / sp.factorial2(j - 1)
                        for j in range(0, k + 1, 2)])
    monkeypatch.setattr(kl, "gaussian_raw_moment", wrong)
    proof = kl.prove_gaussian_kl()
    assert proof.status is Status.REFUTED
    assert [s.status for s in proof.steps[0].steps] == [Status.PROVED] * 4 + [Status.REFUTED]
    assert right(4, symbols.mu, symbols.var) == symbols.mu**4 + 6 * symbols.mu**2 * symbols.var + 3 * symbols.var**2


def test_a_log_of_a_negative_quantity_is_not_proved():
    """log(-p) = log(p) + i pi: the difference is not real, so it is a counterexample, not 0."""
    p = sp.exp(-symbols.x**2 / 2) / sp.sqrt(2 * sp.pi)
    proof = prove_equal(sp.log(-p), -symbols.x**2 / 2 - sp.log(2 * sp.pi) / 2, "log of a negated density")
    assert proof.status is Status.REFUTED and proof.counterexample["imaginary_part"] != 0


def test_gaussian_kl_with_swapped_arguments_is_refuted():
    derived = kl.gaussian_kl_from_definition(symbols.mu_1, symbols.var_1, symbols.mu_2, symbols.var_2)
    swapped = kl.gaussian_kl(symbols.mu_2, symbols.var_2, symbols.mu_1, symbols.var_1)
    proof = prove_equal(derived, swapped, "KL arguments swapped")
    assert proof.status is Status.REFUTED and proof.counterexample


def test_standard_normal_kl_is_proved():
    assert kl.prove_standard_normal_kl().status is Status.PROVED


def test_standard_normal_kl_with_sigma_for_variance_is_refuted():
    wrong = (symbols.mu**2 + symbols.sigma - 1 - sp.log(symbols.sigma**2)) / 2
    derived = kl.gaussian_kl_from_definition(symbols.mu, symbols.sigma**2, 0, 1)
    assert prove_equal(derived, wrong, "sigma where sigma^2 belongs").status is Status.REFUTED


def test_kl_eps_weight_is_proved():
    assert kl.prove_kl_eps_weight().status is Status.PROVED


def test_kl_eps_weight_without_alpha_is_refuted():
    wrong = symbols.beta_t**2 / (2 * symbols.sigma2_t * (1 - symbols.alpha_bar_t))
    claim = prove_equal(kl.denoising_kl(), wrong * (symbols.eps - symbols.eps_theta) ** 2 + kl.kl_eps_constant(),
                        "no alpha_t")
    assert claim.status is Status.REFUTED


def test_prior_kl_is_proved_and_vanishes_in_the_limit():
    proof = kl.prove_prior_kl()
    assert proof.status is Status.PROVED
    assert sp.limit(kl.prior_kl(), symbols.alpha_bar_T, 0, "+") == 0


def test_prior_kl_with_wrong_sign_is_refuted():
    derived = kl.gaussian_kl_from_definition(sp.sqrt(symbols.alpha_bar_T) * symbols.x_0, 1 - symbols.alpha_bar_T, 0, 1)
    wrong = (symbols.alpha_bar_T * symbols.x_0**2 - symbols.alpha_bar_T + sp.log(1 - symbols.alpha_bar_T)) / 2
    assert prove_equal(derived, wrong, "sign of the log").status is Status.REFUTED


def test_variance_ratio_term_is_the_variance_part_of_the_gaussian_kl():
    v1, v2 = symbols.var_1, symbols.var_2
    mean_part = (symbols.mu_1 - symbols.mu_2) ** 2 / (2 * v2)
    proof = prove_equal(kl.gaussian_kl(symbols.mu_1, v1, symbols.mu_2, v2), mean_part + kl.variance_ratio_term(v1 / v2),
                        "KL = mean part + g(v1/v2)")
    assert proof.ok


def test_variance_ratio_lemma_is_proved_and_serves_both_proofs():
    lemma = kl.variance_ratio_lemma("claim", "because ")
    assert lemma.ok and lemma.method.startswith("because f(rho) = rho - 1 - log rho")
    assert any(s.claim == "C_t = 0 iff sigma_t^2 = beta_tilde_t" and s.ok for s in kl.prove_kl_eps_weight().steps)


@pytest.mark.parametrize("wrong", [
    lambda rho: (rho - 2 - sp.log(rho)) / 2,          # f(1) != 0
    lambda rho: (rho**2 - 1 - sp.log(rho)) / 2,       # its minimum is not at rho = 1
    lambda rho: (1 - rho + sp.log(rho)) / 2,          # concave
])
def test_variance_ratio_lemma_fails_on_a_wrong_term(wrong, monkeypatch):
    monkeypatch.setattr(kl, "variance_ratio_term", wrong)
    assert kl.variance_ratio_lemma("claim").status is Status.REFUTED
    assert not kl.prove_kl_eps_weight().ok
