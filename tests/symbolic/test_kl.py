import sympy as sp

from symbolic import kl
from symbolic import symbols as S
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
    assert right(4, S.mu, S.var) == S.mu**4 + 6 * S.mu**2 * S.var + 3 * S.var**2


def test_a_log_of_a_negative_quantity_is_not_proved():
    """log(-p) = log(p) + i pi: the difference is not real, so it is a counterexample, not 0."""
    p = sp.exp(-S.x**2 / 2) / sp.sqrt(2 * sp.pi)
    proof = prove_equal(sp.log(-p), -S.x**2 / 2 - sp.log(2 * sp.pi) / 2, "log of a negated density")
    assert proof.status is Status.REFUTED and proof.counterexample["imaginary_part"] != 0


def test_gaussian_kl_with_swapped_arguments_is_refuted():
    derived = kl.gaussian_kl_from_definition(S.mu_1, S.var_1, S.mu_2, S.var_2)
    swapped = kl.gaussian_kl(S.mu_2, S.var_2, S.mu_1, S.var_1)
    proof = prove_equal(derived, swapped, "KL arguments swapped")
    assert proof.status is Status.REFUTED and proof.counterexample


def test_standard_normal_kl_is_proved():
    assert kl.prove_standard_normal_kl().status is Status.PROVED


def test_standard_normal_kl_with_sigma_for_variance_is_refuted():
    wrong = (S.mu**2 + S.sigma - 1 - sp.log(S.sigma**2)) / 2
    derived = kl.gaussian_kl_from_definition(S.mu, S.sigma**2, 0, 1)
    assert prove_equal(derived, wrong, "sigma where sigma^2 belongs").status is Status.REFUTED


def test_kl_eps_weight_is_proved():
    assert kl.prove_kl_eps_weight().status is Status.PROVED


def test_kl_eps_weight_without_alpha_is_refuted():
    wrong = S.beta_t**2 / (2 * S.sigma2_t * (1 - S.alpha_bar_t))
    claim = prove_equal(kl.denoising_kl(), wrong * (S.eps - S.eps_theta) ** 2 + kl.kl_eps_constant(), "no alpha_t")
    assert claim.status is Status.REFUTED


def test_prior_kl_is_proved_and_vanishes_in_the_limit():
    proof = kl.prove_prior_kl()
    assert proof.status is Status.PROVED
    assert sp.limit(kl.prior_kl(), S.alpha_bar_T, 0, "+") == 0


def test_prior_kl_with_wrong_sign_is_refuted():
    derived = kl.gaussian_kl_from_definition(sp.sqrt(S.alpha_bar_T) * S.x_0, 1 - S.alpha_bar_T, 0, 1)
    wrong = (S.alpha_bar_T * S.x_0**2 - S.alpha_bar_T + sp.log(1 - S.alpha_bar_T)) / 2
    assert prove_equal(derived, wrong, "sign of the log").status is Status.REFUTED
