r"""A corpus of REAL published DDPM / VAE formulas, for measuring what ``check`` reads.

Every entry is a formula as it was published: LaTeX copied from the paper's arXiv source, a blog's
MathJax/markdown source or a course's notes, or the text of a line of reference code, character for
character.  The only selections made are (1) cutting one formula out of a longer display (the mean
argument out of ``\mathcal{N}(\mathbf{x}_t; MEAN, VAR)``, one member of a chain ``a = b = c``, or one line
of an ``align``: a whole align line keeps its ``&``/``&=`` as published, the line break ``\\`` after it
is not kept, except in the one entry that pastes a two-line align whole), and (2) for markdown sources
that escape ``_`` as ``\_`` the text is the TeX that MathJax renders (one entry keeps the raw
``\_`` form, and says so).  Nothing was rewritten to suit the reader.

Each entry records

* ``source``/``url``/``location``: who published it and where (equation number, section, or file and
  function for code; code is quoted as it is in the file named, at the commit the index stored);
* ``text`` and ``mode`` (``"latex"`` or ``"plain"``; code and Unicode notes are plain);
* ``target``: the catalog quantity it is a formula for (``python -m crosscheck check --list``);
* ``truth``: ``"holds"`` when the formula, as published, equals the target on the domain, else
  ``"differs"`` -- derived by hand, and confirmed by :func:`confirm` below with SymPy in this
  file's own symbols (never the project's ``symbolic`` package);
* ``truth_expr``: an independent SymPy rendering of what the published text says, written by hand
  in this module's symbols; a tuple for a chain ``a = b = c`` (every right-hand member must equal
  the target for the chain to hold);
* ``target_expr``: the target, written from the paper (Ho et al. 2020) in the same symbols;
* ``published_error``: what is wrong in the source, when the source itself is wrong (typos);
* ``known_issue``: how the current ``check`` misreads a correct formula it does read (the test
  lets this list shrink, never grow).

Conventions used to decide ``truth``
------------------------------------
* Symbols mean what the catalog's symbol table says: ``\epsilon``/``eps``/``noise`` is the forward
  noise epsilon; ``\epsilon_\theta``, ``model(x, t)``, ``model_output``, ``pred_noise``, ``et`` are the
  *model's* prediction of it.  A formula written with the model's prediction ("model form": mu_theta,
  x0_hat, s_theta) against a target written with epsilon is read as check reads it (issue 16): the
  prediction stands for the quantity it predicts, and check says so in its output.  Such an entry
  ``holds`` when the formula is the target's form with epsilon_theta in the place of epsilon;
  :func:`confirm` makes the same substitution, so the truth stays independently confirmed.  Where a source names the noise ``\mathbf{z}_t`` (Weng 2021) or
  ``\boldsymbol{\epsilon}_0`` (Luo) and says it is the forward noise, it is epsilon.
* ``\nabla\log p(\boldsymbol{x}_t)`` in Luo (2022) is, by the derivation in the same section,
  the score of q(x_t | x_0) = -eps / sqrt(1 - alpha_bar_t).
* ``x_t(x_0, \epsilon)`` (Ho et al. eq. 9, labml) is x_t, written as a function of x_0 and epsilon.
* Index names: ``\alpha_i``, ``\bar\alpha_{i-1}``, ``x_i`` (tiny-diffusion) are the paper's
  alpha_t, alpha_bar_{t-1}, x_t with t renamed i.
* Reference code is 0-based: ``alphas_cumprod[i]`` is alpha_bar_{i+1}; ``alphas_cumprod_prev[i]`` is
  alpha_bar_i; ``betas[t]`` with a code index t is beta_{t+1}.  Every array expression is judged
  element-wise in paper time (the note says which index it means); ``_extract_into_tensor(a, t, s)``,
  ``extract(a, t, s)``, ``gather(a, t)`` pick element t.  ``self.`` and ``np./torch./th./tf.`` are
  namespaces.  Named coefficients (``posterior_mean_coef1``...) mean what the same file defines.
* Sums over data coordinates (``\sum_j``, ``torch.sum``) are compared per coordinate.
* An equation ``lhs = rhs`` whose left side names the target is judged by its right side; a chain by
  all its right-hand members.
* Where a formula is defined: a formula equals its target only if it is real and defined on the
  target's whole domain, t = 1 included unless the target is stated for t >= 2.  Forms that divide by
  1 - alpha_bar_{t-1} (zero at t = 1, where beta_tilde_1 = 0 and mu_tilde_1 = x_0 are defined) therefore
  ``differ`` although they agree for t >= 2 (``UNDEFINED_AT_T1``; :func:`confirm` looks for the zero
  divisor node by node, as written).
* Variances: sigma_t^2 is the reverse-process variance (free), ``\tilde\beta_t`` the posterior
  variance.  ``\|\boldsymbol{\Sigma}_\theta\|^2_2`` with Sigma_theta = sigma_t^2 I is sigma_t^4.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace

import sympy as sp

# ---------------------------------------------------------------------------------------------
# This module's own symbols (independent of symbolic/): a = alpha_t, b = alpha_bar_{t-1}, so
# alpha_bar_t = a*b and beta_t = 1 - a.

a, b = sp.symbols("a b", positive=True)            # alpha_t, alpha_bar_{t-1}
aT = sp.Symbol("aT", positive=True)                 # alpha_bar_T
a_prev = sp.Symbol("a_prev", positive=True)         # alpha_{t-1} (no bar): an independent schedule value
s2 = sp.Symbol("s2", positive=True)                 # sigma_t^2, the reverse-process variance
v1, v2, v = sp.symbols("v1 v2 v", positive=True)   # KL variances, a generic variance
x0, xt, xprev, eps, eth = sp.symbols("x0 xt xprev eps eth", real=True)   # eth = eps_theta (model)
m1, m2, mu = sp.symbols("m1 m2 mu", real=True)
x0_model = sp.Symbol("x0_model", real=True)          # a model's prediction of x_0 (x_hat_theta)
free_a = sp.Symbol("free_a", positive=True)          # an undefined symbol "a" (labml typo)
v_post = sp.Symbol("v_post", positive=True)          # LDM's v_posterior hyper-parameter

AB = a * b                                           # alpha_bar_t
BETA = 1 - a                                         # beta_t
BETA_TILDE = (1 - b) / (1 - AB) * BETA               # Ho et al. eq. (7)


def mu_tilde(x_0, x_t):
    """Ho et al. eq. (7)."""
    return sp.sqrt(b) * BETA / (1 - AB) * x_0 + sp.sqrt(a) * (1 - b) / (1 - AB) * x_t


def x0_of(noise):
    """Ho et al. eq. (4) solved for x_0 (eq. 15 with the model's noise)."""
    return (xt - sp.sqrt(1 - AB) * noise) / sp.sqrt(AB)


def eps_mean_of(noise):
    """Ho et al. eq. (11) with the given noise."""
    return (xt - BETA / sp.sqrt(1 - AB) * noise) / sp.sqrt(a)


def score_of(noise):
    return -noise / sp.sqrt(1 - AB)


#: Weng's 1/((alpha_t - alpha_bar_t + beta_t)/(beta_t (1 - alpha_bar_{t-1}))), kept unevaluated (SymPy would
#: turn 1/(x/y) into y/x and hide the division by zero at t = 1).
UNEVALUATED_RECIPROCAL_OF_RATIO = sp.Pow(
    sp.Mul(a - AB + BETA, sp.Pow(BETA * (1 - b), -1, evaluate=False), evaluate=False), -1, evaluate=False)

KL_WEIGHT = BETA**2 / (2 * s2 * a * (1 - AB))        # Ho et al. eq. (12)


def gauss_kl(mean1, var1, mean2, var2):
    """KL(N(mean1, var1) || N(mean2, var2)), one coordinate, from the definition."""
    return sp.log(sp.sqrt(var2) / sp.sqrt(var1)) + (var1 + (mean1 - mean2) ** 2) / (2 * var2) - sp.Rational(1, 2)


#: Each catalog target, written from the paper in this module's symbols.
TARGET_EXPR: dict[str, sp.Expr] = {
    "forward_step_mean": sp.sqrt(a) * xprev,
    "forward_step_variance": BETA,
    "forward_jump_mean": sp.sqrt(AB) * x0,
    "forward_jump_variance": 1 - AB,
    "posterior_mean": mu_tilde(x0, xt),
    "posterior_variance": BETA_TILDE,
    "posterior_log_variance": sp.log(BETA_TILDE),
    "x0_from_eps": x0_of(eps),
    "eps_mean": eps_mean_of(eps),
    "kl_eps_weight": KL_WEIGHT,
    "denoising_kl": KL_WEIGHT * (eps - eth) ** 2 + (sp.log(s2 / BETA_TILDE) + BETA_TILDE / s2 - 1) / 2,
    "gaussian_kl": gauss_kl(m1, v1, m2, v2),
    "standard_normal_kl": (mu**2 + v - 1 - sp.log(v)) / 2,
    "prior_kl": (aT * x0**2 - aT - sp.log(1 - aT)) / 2,
    "score": score_of(eps),
    "interpolation_w0": sp.sqrt(b) * BETA / (1 - AB),
    "interpolation_wt": sp.sqrt(a) * (1 - b) / (1 - AB),
}

#: x_t in terms of x_0 and the noise (Ho et al. eq. 4, reparameterised).
FORWARD = {xt: sp.sqrt(AB) * x0 + sp.sqrt(1 - AB) * eps}

#: A point inside the domain where a "differs" entry must show a nonzero difference.
SAMPLE_POINT = {a: sp.Rational(7, 10), b: sp.Rational(3, 5), x0: sp.Rational(3, 10), eps: sp.Rational(-11, 10),
                eth: sp.Rational(2, 5), xprev: sp.Rational(9, 20), s2: sp.Rational(7, 20), m1: sp.Rational(1, 5),
                m2: sp.Rational(-1, 2), v1: sp.Rational(4, 5), v2: sp.Rational(17, 10), mu: sp.Rational(3, 10),
                v: sp.Rational(3, 5), aT: sp.Rational(1, 10), a_prev: sp.Rational(9, 10),
                free_a: sp.Rational(11, 20), v_post: sp.Rational(1, 4), x0_model: sp.Rational(-7, 10)}


# ---------------------------------------------------------------------------------------------
# Sources.

SOURCES: dict[str, tuple[str, str]] = {
    "ho2020": ("Ho, Jain, Abbeel: Denoising Diffusion Probabilistic Models (NeurIPS 2020)",
               "https://arxiv.org/abs/2006.11239"),
    "weng2021": ("Lilian Weng: What are Diffusion Models? (blog, 2021-07-11; markdown source as first published)",
                 "https://github.com/lilianweng/lil-log/blob/80c71a658c4c9b39374d38a6d2cf70b82d9c4c3c/"
                 "_posts/2021-07-11-diffusion-models.md"),
    "weng": ("Lilian Weng: What are Diffusion Models? (blog, 2021, current revised version)",
             "https://lilianweng.github.io/posts/2021-07-11-diffusion-models/"),
    "hf": ("Niels Rogge, Kashif Rasul: The Annotated Diffusion Model (Hugging Face blog, 2022)",
           "https://github.com/huggingface/blog/blob/main/annotated-diffusion.md"),
    "iddpm": ("Nichol & Dhariwal (OpenAI): improved-diffusion, improved_diffusion/gaussian_diffusion.py (2021)",
              "https://github.com/openai/improved-diffusion/blob/main/improved_diffusion/gaussian_diffusion.py"),
    "iddpm_losses": ("Nichol & Dhariwal (OpenAI): improved-diffusion, improved_diffusion/losses.py (2021)",
                     "https://github.com/openai/improved-diffusion/blob/main/improved_diffusion/losses.py"),
    "diffusers2022": ("Hugging Face: diffusers, src/diffusers/schedulers/scheduling_ddpm.py (2022 version)",
                      "https://github.com/huggingface/diffusers/blob/00d5a51e5c20d8d445c8664407ef29608106d899/"
                      "src/diffusers/schedulers/scheduling_ddpm.py"),
    "diffusers": ("Hugging Face: diffusers, src/diffusers/schedulers/scheduling_ddpm.py (current version)",
                  "https://github.com/huggingface/diffusers/blob/main/src/diffusers/schedulers/scheduling_ddpm.py"),
    "lucidrains": ("Phil Wang (lucidrains): denoising-diffusion-pytorch, denoising_diffusion_pytorch.py",
                   "https://github.com/lucidrains/denoising-diffusion-pytorch/blob/main/"
                   "denoising_diffusion_pytorch/denoising_diffusion_pytorch.py"),
    "ldm": ("Rombach et al. (CompVis): latent-diffusion, ldm/models/diffusion/ddpm.py (2022)",
            "https://github.com/CompVis/latent-diffusion/blob/main/ldm/models/diffusion/ddpm.py"),
    "labml": ("labml.ai: Denoising Diffusion Probabilistic Models (DDPM), annotated implementation (2021)",
              "https://github.com/labmlai/annotated_deep_learning_paper_implementations/blob/master/"
              "labml_nn/diffusion/ddpm/__init__.py"),
    "tqch": ("tqch: ddpm-torch, README 'Reference formula'",
             "https://github.com/tqch/ddpm-torch/blob/master/README.md"),
    "urw7rs": ("urw7rs: diffusion-models-made-easy, src/dmme/ddpm/sample.py",
               "https://github.com/urw7rs/diffusion-models-made-easy/blob/main/src/dmme/ddpm/sample.py"),
    "ho_code": ("Jonathan Ho: diffusion (official TensorFlow code), diffusion_tf/diffusion_utils_2.py (2020)",
                "https://github.com/hojonathanho/diffusion/blob/master/diffusion_tf/diffusion_utils_2.py"),
    "ddim_code": ("Song, Meng, Ermon: ddim (official code), functions/denoising.py (2020)",
                  "https://github.com/ermongroup/ddim/blob/main/functions/denoising.py"),
    "luo2022": ("Calvin Luo: Understanding Diffusion Models: A Unified Perspective (arXiv 2208.11970 / blog, 2022);"
                " LaTeX as in the blog, from a stored verbatim copy (index file 49109458689)",
                "https://arxiv.org/abs/2208.11970"),
    "zheng": ("Zheng Zhijie (0809zheng): diffusion-model summary blog post (2022)",
              "https://github.com/0809zheng/0809zheng.github.io"),
    "tiny": ("david-wb: tiny-diffusion, README",
             "https://github.com/david-wb/tiny-diffusion/blob/main/README.md"),
    "t2c": ("Gabriele Lozupone: DiffusionModels-Theory2Code, 01-ddpm.md (course notes)",
            "https://github.com/GabrieleLozupone/DiffusionModels-Theory2Code/blob/main/01-ddpm.md"),
    "pytorch_vae": ("PyTorch: pytorch/examples, vae/main.py (quoting Kingma & Welling 2013, Appendix B)",
                    "https://github.com/pytorch/examples/blob/main/vae/main.py"),
    "seya": ("Eder Santana: seya, seya/objectives.py", "https://github.com/EderSantana/seya/blob/master/seya/objectives.py"),
    "effective_tf": ("Vahid Kazemi: Effective TensorFlow, KL divergence example (copy in dycforever/program, "
                     "tensorflow/effective_tensorflow/kv_divergence.py)",
                     "https://github.com/dycforever/program/blob/master/tensorflow/effective_tensorflow/kv_divergence.py"),
    "dlai": ("DeepLearning.AI 'How Diffusion Models Work' course code (copy in Efesasa0/diffusion-image-generation, "
             "src/generators.py)",
             "https://github.com/Efesasa0/diffusion-image-generation/blob/main/src/generators.py"),
    "unicode_notebook": ("Unattributed public notebook (stored copy, index file 60447433846; repository not named by "
                         "the index)", "index:file/60447433846"),
    "unicode_report": ("Unattributed public project report (stored copy, index file 71575107286)",
                       "index:file/71575107286"),
    "unicode_physics": ("Unattributed public training script (stored copy, index file 56916120316)",
                        "index:file/56916120316"),
    "unicode_zig": ("Unattributed public Zig source (stored copy, index file 2185847536)", "index:file/2185847536"),
    "unicode_notes_it": ("Unattributed public Italian course notes (stored copy, index file 54599199196)",
                         "index:file/54599199196"),
}

# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    id: str
    source: str
    url: str
    location: str
    text: str
    target: str
    mode: str                      # "latex" | "plain"
    truth: str                     # "holds" | "differs"
    truth_expr: object             # sympy expression, or tuple of them for a chain
    target_expr: sp.Expr
    note: str = ""
    published_error: str | None = None
    known_issue: str | None = None

    @property
    def source_key(self) -> str:
        return self.id.split(":")[0]

    @property
    def model_form(self) -> bool:
        """Written with a model's prediction (eps_theta, x_hat_theta) where the target has the noise."""
        return self.note.startswith(MODEL) or ("; " + MODEL) in self.note or "model form" in self.note


ENTRIES: list[Entry] = []


def E(key: str, n: str, location: str, text: str, target: str, mode: str, truth: str, truth_expr,
      note: str = "", error: str | None = None) -> None:
    cite, url = SOURCES[key]
    ENTRIES.append(Entry(f"{key}:{n}", cite, url, location, text, target, mode, truth, truth_expr,
                         TARGET_EXPR[target], note, error))


L, P, H, D = "latex", "plain", "holds", "differs"
MODEL = "model form: written with the model's prediction, not the forward noise epsilon"
ZERO_BASED = "0-based code: array index i is paper t = i + 1 (alphas_cumprod[i] = alpha_bar_{i+1})"

# --- Ho, Jain, Abbeel 2020 (arXiv source; the paper's macros \bx, \bepsilon, \bmu expanded) ------
HO_NOTE = "LaTeX of the arXiv source with the paper's macros expanded (\\bx -> \\mathbf{x}, \\bepsilon -> {\\boldsymbol{\\epsilon}})"
E("ho2020", "eq2-mean", "eq. (2), mean of q(x_t|x_{t-1})", r"\sqrt{1-\beta_t}\mathbf{x}_{t-1}",
  "forward_step_mean", L, H, sp.sqrt(1 - BETA) * xprev, HO_NOTE)
E("ho2020", "eq2-var", "eq. (2), covariance of q(x_t|x_{t-1})", r"\beta_t \mathbf{I}",
  "forward_step_variance", L, H, BETA, HO_NOTE)
E("ho2020", "eq4-mean", "eq. (4), mean of q(x_t|x_0)", r"\sqrt{\bar\alpha_t}\mathbf{x}_0",
  "forward_jump_mean", L, H, sp.sqrt(AB) * x0, HO_NOTE)
E("ho2020", "eq4-var", "eq. (4), covariance of q(x_t|x_0)", r"(1-\bar\alpha_t)\mathbf{I}",
  "forward_jump_variance", L, H, 1 - AB, HO_NOTE)
E("ho2020", "eq7-mean", "eq. (7), posterior mean (align line, '&' kept)",
  r"\tilde{\boldsymbol{\mu}}_t(\mathbf{x}_t, \mathbf{x}_0) &\coloneqq\frac{\sqrt{\bar\alpha_{t-1}}\beta_t }{1-\bar\alpha_t}\mathbf{x}_0 + \frac{\sqrt{\alpha_t}(1- \bar\alpha_{t-1})}{1-\bar\alpha_t} \mathbf{x}_t",
  "posterior_mean", L, H, sp.sqrt(b) * BETA / (1 - AB) * x0 + sp.sqrt(a) * (1 - b) / (1 - AB) * xt, HO_NOTE)
E("ho2020", "eq7-var", "eq. (7), posterior variance, with its \\label",
  r"\tilde\beta_t \coloneqq\frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t  \label{eq:q_posterior_mean_var}",
  "posterior_variance", L, H, (1 - b) / (1 - AB) * BETA, HO_NOTE)
E("ho2020", "sec3.2-sigma", "Sec. 3.2, choice sigma_t^2 = beta_tilde_t (chain)",
  r"\sigma_t^2 = \tilde\beta_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t",
  "posterior_variance", L, D, (s2, BETA_TILDE, (1 - b) / (1 - AB) * BETA),
  HO_NOTE + "; " + "sigma_t^2 on the left is the catalog's reverse-process variance, a free parameter: as a statement about the target it differs (sigma_t^2 = beta_tilde_t is DDPM's choice, not an identity; check adds 'agrees only when sigma_t^2 = ...')")
E("ho2020", "eq10-target", "Sec. 3.2 after eq. (10): what mu_theta must predict",
  r"\frac{1}{\sqrt{\alpha_t}}\left( \mathbf{x}_t  - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}{\boldsymbol{\epsilon}}\right)",
  "eps_mean", L, H, (xt - BETA / sp.sqrt(1 - AB) * eps) / sp.sqrt(a), HO_NOTE)
E("ho2020", "eq10-target-as-posterior", "Sec. 3.2 after eq. (10), checked against the x_0 form of mu_tilde",
  r"\frac{1}{\sqrt{\alpha_t}}\left( \mathbf{x}_t  - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}{\boldsymbol{\epsilon}}\right)",
  "posterior_mean", L, H, (xt - BETA / sp.sqrt(1 - AB) * eps) / sp.sqrt(a),
  HO_NOTE + "; equal to mu_tilde(x_t, x_0) through x_t = sqrt(alpha_bar) x_0 + sqrt(1 - alpha_bar) eps")
E("ho2020", "eq11-rhs", "eq. (11), right-hand side",
  r"\frac{1}{\sqrt{\alpha_t}}\left( \mathbf{x}_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}} {\boldsymbol{\epsilon}}_\theta(\mathbf{x}_t, t) \right)",
  "eps_mean", L, H, (xt - BETA / sp.sqrt(1 - AB) * eth) / sp.sqrt(a), MODEL)
E("ho2020", "eq11-chain", "eq. (11), the whole chain with its \\label",
  r"{\boldsymbol{\mu}}_\theta(\mathbf{x}_t, t) = \tilde{\boldsymbol{\mu}}_t\!\left(\mathbf{x}_t,  \frac{1}{\sqrt{\bar\alpha_t}} (\mathbf{x}_t - \sqrt{1-\bar\alpha_t}{\boldsymbol{\epsilon}}_\theta(\mathbf{x}_t)) \right) = \frac{1}{\sqrt{\alpha_t}}\left( \mathbf{x}_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}} {\boldsymbol{\epsilon}}_\theta(\mathbf{x}_t, t) \right) \label{eq:mu_func_approx_langevin}",
  "eps_mean", L, H, (mu_tilde(x0_of(eth), xt), (xt - BETA / sp.sqrt(1 - AB) * eth) / sp.sqrt(a)), MODEL)
E("ho2020", "eq12-weight", "eq. (12), the weight of the noise-prediction loss",
  r"\frac{\beta_t^2}{2\sigma_t^2 \alpha_t (1-\bar\alpha_t)}", "kl_eps_weight", L, H,
  BETA**2 / (2 * s2 * a * (1 - AB)), HO_NOTE)
E("ho2020", "eq12-term", "eq. (12), the term inside the expectation (= L_{t-1} - C)",
  r"\frac{\beta_t^2}{2\sigma_t^2 \alpha_t (1-\bar\alpha_t)}  \left\| {\boldsymbol{\epsilon}}- {\boldsymbol{\epsilon}}_\theta(\sqrt{\bar\alpha_t} \mathbf{x}_0 + \sqrt{1-\bar\alpha_t}{\boldsymbol{\epsilon}}, t) \right\|^2",
  "denoising_kl", L, D, BETA**2 / (2 * s2 * a * (1 - AB)) * (eps - eth) ** 2,
  "correct as published: it is L_{t-1} minus the epsilon-free constant C, which vanishes only for sigma_t^2 = beta_tilde_t")
E("ho2020", "eq15", "eq. (15), the x_0 estimate",
  r"\hat\mathbf{x}_0 = \left( \mathbf{x}_t - \sqrt{1-\bar\alpha_t}{\boldsymbol{\epsilon}}_\theta(\mathbf{x}_t) \right) / \sqrt{\bar\alpha_t}",
  "x0_from_eps", L, H, x0_of(eth), MODEL)
E("ho2020", "eq9-x0", "eq. (9), second argument of mu_tilde",
  r"\frac{1}{\sqrt{\bar\alpha_t}} (\mathbf{x}_t(\mathbf{x}_0, {\boldsymbol{\epsilon}}) - \sqrt{1-\bar\alpha_t}{\boldsymbol{\epsilon}})",
  "x0_from_eps", L, H, x0_of(eps), HO_NOTE + "; x_t(x_0, eps) is x_t")
E("ho2020", "eq10-mean", "eq. (10), the mean inside the norm",
  r"\frac{1}{\sqrt{\alpha_t}}\left( \mathbf{x}_t(\mathbf{x}_0,{\boldsymbol{\epsilon}}) - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}{\boldsymbol{\epsilon}}\right)",
  "eps_mean", L, H, eps_mean_of(eps), HO_NOTE + "; x_t(x_0, eps) is x_t")

# --- Lilian Weng 2021, as first published (lil-log markdown) -------------------------------------
WENG_Z = "this version names the forward noise z_t (text: 'predict z_t ... the Gaussian noise term')"
E("weng2021", "step-mean", "Forward diffusion process, mean of q(x_t|x_{t-1})", r"\sqrt{1 - \beta_t} \mathbf{x}_{t-1}",
  "forward_step_mean", L, H, sp.sqrt(1 - BETA) * xprev)
E("weng2021", "jump-var", "Forward diffusion process, covariance of q(x_t|x_0)", r"(1 - \bar{\alpha}_t)\mathbf{I}",
  "forward_jump_variance", L, H, 1 - AB)
E("weng2021", "beta-tilde-chain", "Reverse diffusion process, beta_tilde (align line, chain)",
  r"\tilde{\beta}_t &= 1/(\frac{\alpha_t}{\beta_t} + \frac{1}{1 - \bar{\alpha}_{t-1}}) = \frac{1 - \bar{\alpha}_{t-1}}{1 - \bar{\alpha}_t} \cdot \beta_t",
  "posterior_variance", L, D, (1 / (a / BETA + 1 / (1 - b)), (1 - b) / (1 - AB) * BETA))
E("weng2021", "mu-tilde-chain", "Reverse diffusion process, mu_tilde (two align lines, chain)",
  "\\tilde{\\boldsymbol{\\mu}}_t (\\mathbf{x}_t, \\mathbf{x}_0)\n&= (\\frac{\\sqrt{\\alpha_t}}{\\beta_t} \\mathbf{x}_t + \\frac{\\sqrt{\\bar{\\alpha}_t}}{1 - \\bar{\\alpha}_t} \\mathbf{x}_0)/(\\frac{\\alpha_t}{\\beta_t} + \\frac{1}{1 - \\bar{\\alpha}_{t-1}}) \n= \\frac{\\sqrt{\\alpha_t}(1 - \\bar{\\alpha}_{t-1})}{1 - \\bar{\\alpha}_t} \\mathbf{x}_t + \\frac{\\sqrt{\\bar{\\alpha}_{t-1}}\\beta_t}{1 - \\bar{\\alpha}_t} \\mathbf{x}_0",
  "posterior_mean", L, D,
  ((sp.sqrt(a) / BETA * xt + sp.sqrt(AB) / (1 - AB) * x0) / (a / BETA + 1 / (1 - b)),
   sp.sqrt(a) * (1 - b) / (1 - AB) * xt + sp.sqrt(b) * BETA / (1 - AB) * x0),
  "the middle member is wrong, the last is right: a chain that only checks its last member passes it",
  error="x_0 coefficient written sqrt(alpha_bar_t)/(1 - alpha_bar_t) instead of sqrt(alpha_bar_{t-1})/(1 - alpha_bar_{t-1}) "
        "(also in the blue term of the Bayes-rule line above it); fixed in later revisions")
E("weng2021", "mu-tilde-middle", "Reverse diffusion process, middle member of the mu_tilde chain",
  r"(\frac{\sqrt{\alpha_t}}{\beta_t} \mathbf{x}_t + \frac{\sqrt{\bar{\alpha}_t}}{1 - \bar{\alpha}_t} \mathbf{x}_0)/(\frac{\alpha_t}{\beta_t} + \frac{1}{1 - \bar{\alpha}_{t-1}})",
  "posterior_mean", L, D, (sp.sqrt(a) / BETA * xt + sp.sqrt(AB) / (1 - AB) * x0) / (a / BETA + 1 / (1 - b)),
  error="sqrt(alpha_bar_t)/(1 - alpha_bar_t) where sqrt(alpha_bar_{t-1})/(1 - alpha_bar_{t-1}) belongs")
E("weng2021", "mu-tilde-last", "Reverse diffusion process, last member of the mu_tilde chain",
  r"\frac{\sqrt{\alpha_t}(1 - \bar{\alpha}_{t-1})}{1 - \bar{\alpha}_t} \mathbf{x}_t + \frac{\sqrt{\bar{\alpha}_{t-1}}\beta_t}{1 - \bar{\alpha}_t} \mathbf{x}_0",
  "posterior_mean", L, H, sp.sqrt(a) * (1 - b) / (1 - AB) * xt + sp.sqrt(b) * BETA / (1 - AB) * x0)
E("weng2021", "x0-z", "Reverse diffusion process, x_0 from the nice property",
  r"\mathbf{x}_0 = \frac{1}{\sqrt{\bar{\alpha}_t}}(\mathbf{x}_t - \sqrt{1 - \bar{\alpha}_t}\mathbf{z}_t)",
  "x0_from_eps", L, H, x0_of(eps), WENG_Z)
E("weng2021", "mu-subst-z", "Reverse diffusion process, x_0 substituted into mu_tilde (align line)",
  "\\tilde{\\boldsymbol{\\mu}}_t\n&= \\frac{\\sqrt{\\alpha_t}(1 - \\bar{\\alpha}_{t-1})}{1 - \\bar{\\alpha}_t} \\mathbf{x}_t + \\frac{\\sqrt{\\bar{\\alpha}_{t-1}}\\beta_t}{1 - \\bar{\\alpha}_t} \\frac{1}{\\sqrt{\\bar{\\alpha}_t}}(\\mathbf{x}_t - \\sqrt{1 - \\bar{\\alpha}_t}\\mathbf{z}_t)",
  "eps_mean", L, H, sp.sqrt(a) * (1 - b) / (1 - AB) * xt + sp.sqrt(b) * BETA / (1 - AB) * x0_of(eps), WENG_Z)
E("weng2021", "mu-cyan-z", "Reverse diffusion process, the cyan result (align line)",
  r"&= \color{cyan}{\frac{1}{\sqrt{\alpha_t}} \Big( \mathbf{x}_t - \frac{\beta_t}{\sqrt{1 - \bar{\alpha}_t}} \mathbf{z}_t \Big)}",
  "eps_mean", L, H, eps_mean_of(eps), WENG_Z)
E("weng2021", "mu-tilde-inline-z", "Parameterization of L_t, inline: what mu_theta should predict",
  r"\tilde{\boldsymbol{\mu}}_t = \frac{1}{\sqrt{\alpha_t}} \Big( \mathbf{x}_t - \frac{\beta_t}{\sqrt{1 - \bar{\alpha}_t}} \mathbf{z}_t \Big)",
  "posterior_mean", L, H, eps_mean_of(eps), WENG_Z + "; equals the x_0 form through the forward relation")
E("weng2021", "mu-theta-z", "Parameterization of L_t, mu_theta (align line)",
  r"\boldsymbol{\mu}_\theta(\mathbf{x}_t, t) &= \color{cyan}{\frac{1}{\sqrt{\alpha_t}} \Big( \mathbf{x}_t - \frac{\beta_t}{\sqrt{1 - \bar{\alpha}_t}} \mathbf{z}_\theta(\mathbf{x}_t, t) \Big)}",
  "eps_mean", L, H, eps_mean_of(eth), MODEL + " (z_theta)")
E("weng2021", "Lt-weight", "Parameterization of L_t, the weight in the third line",
  r"\frac{ \beta_t^2 }{2 \alpha_t (1 - \bar{\alpha}_t) \| \boldsymbol{\Sigma}_\theta \|^2_2}",
  "kl_eps_weight", L, D, BETA**2 / (2 * a * (1 - AB) * s2**2),
  "Sigma_theta = sigma_t^2 I, so ||Sigma_theta||_2^2 = sigma_t^4",
  error="1/(2 ||Sigma_theta||_2^2) in place of 1/(2 sigma_t^2): the weight has sigma_t^4 where sigma_t^2 belongs")
E("weng2021", "beta-tilde-sigma", "Parameterization of Sigma_theta, inline",
  r"\tilde{\beta}_t = \frac{1 - \bar{\alpha}_{t-1}}{1 - \bar{\alpha}_t} \cdot \beta_t",
  "posterior_variance", L, H, (1 - b) / (1 - AB) * BETA)
E("weng2021", "ddim-mean", "Speed up sampling, mean of q_sigma(x_{t-1}|x_t, x_0)",
  r"\sqrt{\bar{\alpha}_{t-1}}\mathbf{x}_0 + \sqrt{1 - \bar{\alpha}_{t-1} - \sigma_t^2} \frac{\mathbf{x}_t - \sqrt{\bar{\alpha}_t}\mathbf{x}_0}{\sqrt{1 - \bar{\alpha}_t}}",
  "posterior_mean", L, D,
  sp.sqrt(b) * x0 + sp.sqrt(1 - b - s2) * (xt - sp.sqrt(AB) * x0) / sp.sqrt(1 - AB),
  "correct as published (DDIM's q_sigma): it equals mu_tilde only when sigma_t^2 = beta_tilde_t")

# --- Lilian Weng, current revised version ---------------------------------------------------------
E("weng", "beta-tilde-chain3", "Reverse diffusion process, beta_tilde (align line, 3-member chain, \\color)",
  r"\tilde{\beta}_t &= 1/(\frac{\alpha_t}{\beta_t} + \frac{1}{1 - \bar{\alpha}_{t-1}}) = 1/(\frac{\alpha_t - \bar{\alpha}_t + \beta_t}{\beta_t(1 - \bar{\alpha}_{t-1})}) = \color{green}{\frac{1 - \bar{\alpha}_{t-1}}{1 - \bar{\alpha}_t} \cdot \beta_t}",
  "posterior_variance", L, D,
  (1 / (a / BETA + 1 / (1 - b)), 1 / ((a - AB + BETA) / (BETA * (1 - b))), (1 - b) / (1 - AB) * BETA))
E("weng", "beta-tilde-middle", "Reverse diffusion process, middle member of the beta_tilde chain",
  r"1/(\frac{\alpha_t - \bar{\alpha}_t + \beta_t}{\beta_t(1 - \bar{\alpha}_{t-1})})",
  "posterior_variance", L, D, UNEVALUATED_RECIPROCAL_OF_RATIO,
  "written unevaluated: 1/(x/y) with y = beta_t (1 - alpha_bar_{t-1}), which is 0 at t = 1")
E("weng", "mu-tilde-ratio", "Reverse diffusion process, mu_tilde first line (corrected)",
  r"\tilde{\boldsymbol{\mu}}_t (\mathbf{x}_t, \mathbf{x}_0) &= (\frac{\sqrt{\alpha_t}}{\beta_t} \mathbf{x}_t + \frac{\sqrt{\bar{\alpha}_{t-1} }}{1 - \bar{\alpha}_{t-1}} \mathbf{x}_0)/(\frac{\alpha_t}{\beta_t} + \frac{1}{1 - \bar{\alpha}_{t-1}})",
  "posterior_mean", L, D, (sp.sqrt(a) / BETA * xt + sp.sqrt(b) / (1 - b) * x0) / (a / BETA + 1 / (1 - b)))
E("weng", "mu-tilde-product", "Reverse diffusion process, mu_tilde second line (continuation '&=')",
  r"&= (\frac{\sqrt{\alpha_t}}{\beta_t} \mathbf{x}_t + \frac{\sqrt{\bar{\alpha}_{t-1} }}{1 - \bar{\alpha}_{t-1}} \mathbf{x}_0) \color{green}{\frac{1 - \bar{\alpha}_{t-1}}{1 - \bar{\alpha}_t} \cdot \beta_t}",
  "posterior_mean", L, D, (sp.sqrt(a) / BETA * xt + sp.sqrt(b) / (1 - b) * x0) * (1 - b) / (1 - AB) * BETA)
E("weng", "mu-tilde-last", "Reverse diffusion process, mu_tilde third line (continuation '&=')",
  r"&= \frac{\sqrt{\alpha_t}(1 - \bar{\alpha}_{t-1})}{1 - \bar{\alpha}_t} \mathbf{x}_t + \frac{\sqrt{\bar{\alpha}_{t-1}}\beta_t}{1 - \bar{\alpha}_t} \mathbf{x}_0",
  "posterior_mean", L, H, sp.sqrt(a) * (1 - b) / (1 - AB) * xt + sp.sqrt(b) * BETA / (1 - AB) * x0)
E("weng", "x0", "Reverse diffusion process, x_0 from the nice property",
  r"\mathbf{x}_0 = \frac{1}{\sqrt{\bar{\alpha}_t}}(\mathbf{x}_t - \sqrt{1 - \bar{\alpha}_t}\boldsymbol{\epsilon}_t)",
  "x0_from_eps", L, H, x0_of(eps))
E("weng", "mu-subst", "Reverse diffusion process, x_0 substituted into mu_tilde (align line)",
  r"\tilde{\boldsymbol{\mu}}_t &= \frac{\sqrt{\alpha_t}(1 - \bar{\alpha}_{t-1})}{1 - \bar{\alpha}_t} \mathbf{x}_t + \frac{\sqrt{\bar{\alpha}_{t-1}}\beta_t}{1 - \bar{\alpha}_t} \frac{1}{\sqrt{\bar{\alpha}_t}}(\mathbf{x}_t - \sqrt{1 - \bar{\alpha}_t}\boldsymbol{\epsilon}_t)",
  "eps_mean", L, H, sp.sqrt(a) * (1 - b) / (1 - AB) * xt + sp.sqrt(b) * BETA / (1 - AB) * x0_of(eps))
E("weng", "mu-cyan", "Reverse diffusion process, the cyan result (align line)",
  r"&= \color{cyan}{\frac{1}{\sqrt{\alpha_t}} \Big( \mathbf{x}_t - \frac{1 - \alpha_t}{\sqrt{1 - \bar{\alpha}_t}} \boldsymbol{\epsilon}_t \Big)}",
  "eps_mean", L, H, (xt - (1 - a) / sp.sqrt(1 - AB) * eps) / sp.sqrt(a))
E("weng", "mu-tilde-inline", "Parameterization of L_t, inline: what mu_theta should predict",
  r"\tilde{\boldsymbol{\mu}}_t = \frac{1}{\sqrt{\alpha_t}} \Big( \mathbf{x}_t - \frac{1 - \alpha_t}{\sqrt{1 - \bar{\alpha}_t}} \boldsymbol{\epsilon}_t \Big)",
  "posterior_mean", L, H, (xt - (1 - a) / sp.sqrt(1 - AB) * eps) / sp.sqrt(a),
  "equals the x_0 form through the forward relation")
E("weng", "mu-theta", "Parameterization of L_t, mu_theta (align line)",
  r"\boldsymbol{\mu}_\theta(\mathbf{x}_t, t) &= \color{cyan}{\frac{1}{\sqrt{\alpha_t}} \Big( \mathbf{x}_t - \frac{1 - \alpha_t}{\sqrt{1 - \bar{\alpha}_t}} \boldsymbol{\epsilon}_\theta(\mathbf{x}_t, t) \Big)}",
  "eps_mean", L, H, (xt - (1 - a) / sp.sqrt(1 - AB) * eth) / sp.sqrt(a), MODEL)
E("weng", "Lt-weight", "Parameterization of L_t, the weight in the third line",
  r"\frac{ (1 - \alpha_t)^2 }{2 \alpha_t (1 - \bar{\alpha}_t) \| \boldsymbol{\Sigma}_\theta \|^2_2}",
  "kl_eps_weight", L, D, (1 - a) ** 2 / (2 * a * (1 - AB) * s2**2),
  "Sigma_theta = sigma_t^2 I, so ||Sigma_theta||_2^2 = sigma_t^4",
  error="still 1/(2 ||Sigma_theta||_2^2) in place of 1/(2 sigma_t^2) in the revised version")
E("weng", "score-model", "Connection with NCSN, score approximation (last member)",
  r"- \frac{\boldsymbol{\epsilon}_\theta(\mathbf{x}_t, t)}{\sqrt{1 - \bar{\alpha}_t}}",
  "score", L, H, score_of(eth), MODEL)

# --- Hugging Face: The Annotated Diffusion Model ---------------------------------------------------
E("hf", "mu-t", "In more mathematical form: mean of q(x_t|x_{t-1})",
  r"\mathbf{\mu}_t = \sqrt{1 - \beta_t} \mathbf{x}_{t-1}", "forward_step_mean", L, H, sp.sqrt(1 - BETA) * xprev)
E("hf", "sigma-t", "In more mathematical form: variance of q(x_t|x_{t-1})",
  r"\sigma^2_t = \beta_t", "forward_step_variance", L, D, (s2, BETA),
  "sigma_t^2 on the left is the catalog's reverse-process variance, a free parameter: as a statement about the target it differs (sigma_t^2 = beta_tilde_t is DDPM's choice, not an identity; check adds 'agrees only when sigma_t^2 = ...')" + "; the post names the forward variance sigma_t^2 (a notation clash, not an error)")
E("hf", "jump-mean", "Defining an objective function: mean of q(x_t|x_0) (inside \\cal{N})",
  r"\sqrt{\bar{\alpha}_t} \mathbf{x}_0", "forward_jump_mean", L, H, sp.sqrt(AB) * x0)
E("hf", "jump-var", "Defining an objective function: covariance of q(x_t|x_0)",
  r"(1- \bar{\alpha}_t) \mathbf{I}", "forward_jump_variance", L, H, 1 - AB)
E("hf", "sigma-beta-tilde", "Quote of Ho et al.: sigma_t^2 = beta_tilde_t",
  r"\sigma^2_t  = \tilde{\beta}_t", "posterior_variance", L, D, (s2, BETA_TILDE), "sigma_t^2 on the left is the catalog's reverse-process variance, a free parameter: as a statement about the target it differs (sigma_t^2 = beta_tilde_t is DDPM's choice, not an identity; check adds 'agrees only when sigma_t^2 = ...')")
E("hf", "mu-theta", "Defining an objective function: the reparametrized mean",
  r"\mathbf{\mu}_\theta(\mathbf{x}_t, t) = \frac{1}{\sqrt{\alpha_t}} \left(  \mathbf{x}_t - \frac{\beta_t}{\sqrt{1- \bar{\alpha}_t}} \mathbf{\epsilon}_\theta(\mathbf{x}_t, t) \right)",
  "eps_mean", L, H, eps_mean_of(eth), MODEL)
E("hf", "code-posterior-variance", "Defining the forward diffusion process, code cell (posterior_variance)",
  "posterior_variance = betas * (1. - alphas_cumprod_prev) / (1. - alphas_cumprod)",
  "posterior_variance", P, H, BETA * (1 - b) / (1 - AB), ZERO_BASED)
E("hf", "code-model-mean", "Sampling, p_sample (Equation 11 in the paper)",
  "model_mean = sqrt_recip_alphas_t * (\n        x - betas_t * model(x, t) / sqrt_one_minus_alphas_cumprod_t\n    )",
  "eps_mean", P, H, 1 / sp.sqrt(a) * (xt - BETA * eth / sp.sqrt(1 - AB)), MODEL + "; " + ZERO_BASED)

# --- improved-diffusion (OpenAI) --------------------------------------------------------------------
E("iddpm", "posterior-variance", "GaussianDiffusion.__init__, self.posterior_variance",
  "betas * (1.0 - self.alphas_cumprod_prev) / (1.0 - self.alphas_cumprod)",
  "posterior_variance", P, H, BETA * (1 - b) / (1 - AB), ZERO_BASED)
E("iddpm", "coef1", "GaussianDiffusion.__init__, self.posterior_mean_coef1",
  "betas * np.sqrt(self.alphas_cumprod_prev) / (1.0 - self.alphas_cumprod)",
  "interpolation_w0", P, H, BETA * sp.sqrt(b) / (1 - AB), ZERO_BASED)
E("iddpm", "coef2", "GaussianDiffusion.__init__, self.posterior_mean_coef2 (three source lines)",
  "(1.0 - self.alphas_cumprod_prev)\n            * np.sqrt(alphas)\n            / (1.0 - self.alphas_cumprod)",
  "interpolation_wt", P, H, (1 - b) * sp.sqrt(a) / (1 - AB), ZERO_BASED)
E("iddpm", "q-mean", "GaussianDiffusion.q_mean_variance, mean",
  "_extract_into_tensor(self.sqrt_alphas_cumprod, t, x_start.shape) * x_start",
  "forward_jump_mean", P, H, sp.sqrt(AB) * x0, ZERO_BASED + "; x_start is x_0")
E("iddpm", "q-variance", "GaussianDiffusion.q_mean_variance, variance",
  "_extract_into_tensor(1.0 - self.alphas_cumprod, t, x_start.shape)",
  "forward_jump_variance", P, H, 1 - AB, ZERO_BASED)
E("iddpm", "xstart-from-eps", "GaussianDiffusion._predict_xstart_from_eps (eps is the function's argument)",
  "_extract_into_tensor(self.sqrt_recip_alphas_cumprod, t, x_t.shape) * x_t\n            - _extract_into_tensor(self.sqrt_recipm1_alphas_cumprod, t, x_t.shape) * eps",
  "x0_from_eps", P, H, sp.sqrt(1 / AB) * xt - sp.sqrt(1 / AB - 1) * eps, ZERO_BASED)
E("iddpm", "posterior-mean", "GaussianDiffusion.q_posterior_mean_variance, posterior_mean",
  "_extract_into_tensor(self.posterior_mean_coef1, t, x_t.shape) * x_start\n            + _extract_into_tensor(self.posterior_mean_coef2, t, x_t.shape) * x_t",
  "posterior_mean", P, H, BETA * sp.sqrt(b) / (1 - AB) * x0 + (1 - b) * sp.sqrt(a) / (1 - AB) * xt,
  ZERO_BASED + "; coef1, coef2 as defined in __init__")
E("iddpm", "log-variance-clipped", "GaussianDiffusion.__init__, self.posterior_log_variance_clipped",
  "np.log(\n            np.append(self.posterior_variance[1], self.posterior_variance[1:])\n        )",
  "posterior_log_variance", P, H, sp.log(BETA * (1 - b) / (1 - AB)),
  ZERO_BASED + "; element i >= 1 (paper t >= 2) is log beta_tilde_t, element 0 is clipped to log beta_tilde_2 "
               "(the target is defined for t >= 2)")
E("iddpm_losses", "normal-kl", "normal_kl",
  "0.5 * (\n        -1.0\n        + logvar2\n        - logvar1\n        + th.exp(logvar1 - logvar2)\n        + ((mean1 - mean2) ** 2) * th.exp(-logvar2)\n    )",
  "gaussian_kl", P, H,
  sp.Rational(1, 2) * (-1 + sp.log(v2) - sp.log(v1) + sp.exp(sp.log(v1) - sp.log(v2)) + (m1 - m2) ** 2 * sp.exp(-sp.log(v2))),
  "logvar = log(variance), mean1/logvar1 the first argument")

# --- diffusers -------------------------------------------------------------------------------------
E("diffusers2022", "variance", "DDPMScheduler._get_variance",
  "(1 - alpha_prod_t_prev) / (1 - alpha_prod_t) * self.betas[t]",
  "posterior_variance", P, H, (1 - b) / (1 - AB) * BETA, ZERO_BASED + "; alpha_prod_t = alphas_cumprod[t]")
E("diffusers2022", "coef-x0", "DDPMScheduler.step, pred_original_sample_coeff ('formula (7)')",
  "(alpha_prod_t_prev ** (0.5) * self.betas[t]) / beta_prod_t",
  "interpolation_w0", P, H, sp.sqrt(b) * BETA / (1 - AB), ZERO_BASED + "; beta_prod_t = 1 - alpha_prod_t")
E("diffusers2022", "coef-xt", "DDPMScheduler.step, current_sample_coeff",
  "self.alphas[t] ** (0.5) * beta_prod_t_prev / beta_prod_t",
  "interpolation_wt", P, H, sp.sqrt(a) * (1 - b) / (1 - AB), ZERO_BASED)
E("diffusers2022", "pred-x0", "DDPMScheduler.step, pred_original_sample ('formula (15)')",
  "(sample - beta_prod_t ** (0.5) * model_output) / alpha_prod_t ** (0.5)",
  "x0_from_eps", P, H, (xt - sp.sqrt(1 - AB) * eth) / sp.sqrt(AB), MODEL + " (model_output); " + ZERO_BASED)
E("diffusers", "coef-x0", "DDPMScheduler.step, pred_original_sample_coeff",
  "(alpha_prod_t_prev ** (0.5) * current_beta_t) / beta_prod_t",
  "interpolation_w0", P, H, sp.sqrt(b) * (1 - AB / b) / (1 - AB),
  "current_beta_t = 1 - alpha_prod_t / alpha_prod_t_prev; " + ZERO_BASED +
  " (lines also seen verbatim in the index's copies of this file)")
E("diffusers", "coef-xt", "DDPMScheduler.step, current_sample_coeff",
  "current_alpha_t ** (0.5) * beta_prod_t_prev / beta_prod_t",
  "interpolation_wt", P, H, sp.sqrt(AB / b) * (1 - b) / (1 - AB), "current_alpha_t = alpha_prod_t / alpha_prod_t_prev")
E("diffusers", "variance", "DDPMScheduler._get_variance",
  "(1 - alpha_prod_t_prev) / (1 - alpha_prod_t) * current_beta_t",
  "posterior_variance", P, H, (1 - b) / (1 - AB) * (1 - AB / b), "current_beta_t = 1 - alpha_prod_t / alpha_prod_t_prev")

# --- lucidrains -------------------------------------------------------------------------------------
E("lucidrains", "posterior-variance", "GaussianDiffusion.__init__",
  "posterior_variance = betas * (1. - alphas_cumprod_prev) / (1. - alphas_cumprod)",
  "posterior_variance", P, H, BETA * (1 - b) / (1 - AB), ZERO_BASED)
E("lucidrains", "comment-variance", "GaussianDiffusion.__init__, comment '# above: equal to ...'",
  "1. / (1. / (1. - alpha_cumprod_tm1) + alpha_t / beta_t)",
  "posterior_variance", P, D, 1 / (1 / (1 - b) + a / BETA))
E("lucidrains", "coef1", "GaussianDiffusion.__init__, posterior_mean_coef1",
  "betas * torch.sqrt(alphas_cumprod_prev) / (1. - alphas_cumprod)",
  "interpolation_w0", P, H, BETA * sp.sqrt(b) / (1 - AB), ZERO_BASED)
E("lucidrains", "coef2", "GaussianDiffusion.__init__, posterior_mean_coef2",
  "(1. - alphas_cumprod_prev) * torch.sqrt(alphas) / (1. - alphas_cumprod)",
  "interpolation_wt", P, H, (1 - b) * sp.sqrt(a) / (1 - AB), ZERO_BASED)
E("lucidrains", "start-from-noise", "GaussianDiffusion.predict_start_from_noise (noise is the argument)",
  "extract(self.sqrt_recip_alphas_cumprod, t, x_t.shape) * x_t -\n            extract(self.sqrt_recipm1_alphas_cumprod, t, x_t.shape) * noise",
  "x0_from_eps", P, H, sp.sqrt(1 / AB) * xt - sp.sqrt(1 / AB - 1) * eps, ZERO_BASED)

# --- latent-diffusion (CompVis) ----------------------------------------------------------------------
E("ldm", "lvlb-weights", "DDPM.register_schedule, lvlb_weights for parameterization 'eps'",
  "self.betas ** 2 / (\n                        2 * self.posterior_variance * to_torch(alphas) * (1 - self.alphas_cumprod))",
  "kl_eps_weight", P, D, BETA**2 / (2 * BETA_TILDE * a * (1 - AB)),
  "correct as published for sigma_t^2 = beta_tilde_t (the catalog weight has sigma_t^2 free)")
E("ldm", "v-posterior", "DDPM.register_schedule, posterior_variance with v_posterior",
  "(1 - self.v_posterior) * betas * (1. - alphas_cumprod_prev) / (\n                    1. - alphas_cumprod) + self.v_posterior * betas",
  "posterior_variance", P, D, (1 - v_post) * BETA * (1 - b) / (1 - AB) + v_post * BETA,
  "a mixture of beta_tilde_t and beta_t; equal to beta_tilde_t only for v_posterior = 0 (the default)")

# --- labml.ai annotated DDPM -------------------------------------------------------------------------
E("labml", "mu-tilde", "Module docstring, forward process posterior (align line)",
  "\\tilde\\mu_t(x_t, x_0) &= \\frac{\\sqrt{\\bar\\alpha_{t-1}}\\beta_t}{1 - \\bar\\alpha_t}x_0\n                         + \\frac{\\sqrt{\\alpha_t}(1 - \\bar\\alpha_{t-1})}{1-\\bar\\alpha_t}x_t",
  "posterior_mean", L, H, sp.sqrt(b) * BETA / (1 - AB) * x0 + sp.sqrt(a) * (1 - b) / (1 - AB) * xt)
E("labml", "beta-tilde", "Module docstring, forward process posterior variance (align line)",
  r"\tilde\beta_t &= \frac{1 - \bar\alpha_{t-1}}{a}",
  "posterior_variance", L, D, (1 - b) / free_a,
  error="truncated: denominator 'a' (undefined) and the factor beta_t missing; should be "
        "(1 - alpha_bar_{t-1})/(1 - alpha_bar_t) beta_t")
E("labml", "x0", "Module docstring, x_0 from the reparameterisation (align line)",
  r"x_0 &= \frac{1}{\sqrt{\bar\alpha_t}} \Big(x_t(x_0, \epsilon) -  \sqrt{1-\bar\alpha_t}\epsilon\Big)",
  "x0_from_eps", L, H, x0_of(eps), "x_t(x_0, eps) is x_t")
E("labml", "mu-eps", "Module docstring, L_{t-1} third line: the target mean",
  "\\frac{1}{\\sqrt{\\alpha_t}} \\Big(\n  x_t(x_0, \\epsilon) - \\frac{\\beta_t}{\\sqrt{1 - \\bar\\alpha_t}} \\epsilon\n  \\Big)",
  "eps_mean", L, H, eps_mean_of(eps), "x_t(x_0, eps) is x_t")
E("labml", "weight", "Module docstring, L_{t-1} weight", r"\frac{\beta_t^2}{2\sigma_t^2 \alpha_t (1 - \bar\alpha_t)}",
  "kl_eps_weight", L, H, BETA**2 / (2 * s2 * a * (1 - AB)))
E("labml", "mu-theta", "Module docstring, reparameterised mu_theta (second align line, \\color)",
  "\\frac{1}{\\sqrt{\\alpha_t}} \\Big(x_t -\n  \\frac{\\beta_t}{\\sqrt{1-\\bar\\alpha_t}}\\color{cyan}{\\epsilon_\\theta}(x_t, t) \\Big)",
  "eps_mean", L, H, eps_mean_of(eth), MODEL)
E("labml", "code-mean", "DenoiseDiffusion.q_xt_x0, mean",
  "gather(self.alpha_bar, t) ** 0.5 * x0", "forward_jump_mean", P, H, sp.sqrt(AB) * x0, ZERO_BASED)
E("labml", "code-var", "DenoiseDiffusion.q_xt_x0, var",
  "1 - gather(self.alpha_bar, t)", "forward_jump_variance", P, H, 1 - AB, ZERO_BASED)
E("labml", "jump-mean", "DenoiseDiffusion.q_xt_x0 docstring, mean of q(x_t|x_0)",
  r"\sqrt{\bar\alpha_t} x_0", "forward_jump_mean", L, H, sp.sqrt(AB) * x0)
E("labml", "jump-var", "DenoiseDiffusion.q_xt_x0 docstring, covariance of q(x_t|x_0)",
  r"(1-\bar\alpha_t) \mathbf{I}", "forward_jump_variance", L, H, 1 - AB)
E("labml", "step-mean", "Module docstring, mean of q(x_t|x_{t-1})",
  r"\sqrt{1-  \beta_t} x_{t-1}", "forward_step_mean", L, H, sp.sqrt(1 - BETA) * xprev)

# --- tqch/ddpm-torch README ---------------------------------------------------------------------------
TQCH_NOTE = "markdown source escapes _ as \\_; text is the TeX MathJax renders"
E("tqch", "mean-x0", "README, 'Predict x_{t-1} from x_t, x_0', mean",
  r"\frac{\sqrt{\alpha_t}(1-\bar{\alpha}_{t-1})}{1-\bar{\alpha}_t}x_t+\frac{\sqrt{\alpha_{t-1}}\beta_t}{1-\bar{\alpha}_t}x_0",
  "posterior_mean", L, D, sp.sqrt(a) * (1 - b) / (1 - AB) * xt + sp.sqrt(a_prev) * BETA / (1 - AB) * x0, TQCH_NOTE,
  error="sqrt(alpha_{t-1}) where sqrt(alpha_bar_{t-1}) belongs (bar missing)")
E("tqch", "mean-eps", "README, 'Predict x_{t-1} from x_t, epsilon_t', mean",
  r"\frac{1}{\sqrt{\bar{\alpha}_t}}\left(x_t-\frac{\beta_t}{\sqrt{1-\bar{\alpha}_t}}\epsilon_t\right)",
  "eps_mean", L, D, (xt - BETA / sp.sqrt(1 - AB) * eps) / sp.sqrt(AB), TQCH_NOTE,
  error="1/sqrt(alpha_bar_t) where 1/sqrt(alpha_t) belongs")
E("tqch", "sigma", "README, 'where sigma_t^2 = ...'",
  r"\sigma_t^2 = \frac{\beta_t(1-\bar{\alpha}_{t-1})}{1-\bar{\alpha}_t}",
  "posterior_variance", L, D, (s2, BETA * (1 - b) / (1 - AB)), TQCH_NOTE + "; " + "sigma_t^2 on the left is the catalog's reverse-process variance, a free parameter: as a statement about the target it differs (sigma_t^2 = beta_tilde_t is DDPM's choice, not an identity; check adds 'agrees only when sigma_t^2 = ...')")
E("tqch", "sigma-raw-markdown", "README, 'where sigma_t^2 = ...', raw markdown source with \\_",
  r"\sigma\_t^2 = \frac{\beta\_t(1-\bar{\alpha}\_{t-1})}{1-\bar{\alpha}\_t}",
  "posterior_variance", L, H, BETA * (1 - b) / (1 - AB), "the markdown source as written (\\_ for _)")

# --- urw7rs/diffusion-models-made-easy ------------------------------------------------------------------
E("urw7rs", "reverse-mean", "reverse_process, mean",
  "1\n        / jnp.sqrt(alpha_bar_t)\n        * (x_t - beta_t / jnp.sqrt(1 - alpha_bar_t) * noise_in_x_t)",
  "eps_mean", P, D, 1 / sp.sqrt(AB) * (xt - BETA / sp.sqrt(1 - AB) * eth),
  "noise_in_x_t is the network's estimate (" + MODEL + ")",
  error="1/sqrt(alpha_bar_t) where 1/sqrt(alpha_t) belongs (the function does not even take alpha_t)")

# --- Ho's official TensorFlow code ------------------------------------------------------------------------
E("ho_code", "posterior-variance", "GaussianDiffusion2.__init__, self.posterior_variance",
  "betas * (1. - self.alphas_cumprod_prev) / (1. - self.alphas_cumprod)",
  "posterior_variance", P, H, BETA * (1 - b) / (1 - AB), ZERO_BASED)
E("ho_code", "coef1", "GaussianDiffusion2.__init__, self.posterior_mean_coef1",
  "betas * np.sqrt(self.alphas_cumprod_prev) / (1. - self.alphas_cumprod)",
  "interpolation_w0", P, H, BETA * sp.sqrt(b) / (1 - AB), ZERO_BASED)
E("ho_code", "coef2", "GaussianDiffusion2.__init__, self.posterior_mean_coef2",
  "(1. - self.alphas_cumprod_prev) * np.sqrt(alphas) / (1. - self.alphas_cumprod)",
  "interpolation_wt", P, H, (1 - b) * sp.sqrt(a) / (1 - AB), ZERO_BASED)
E("ho_code", "normal-kl", "normal_kl",
  "0.5 * (-1.0 + logvar2 - logvar1 + tf.exp(logvar1 - logvar2)\n                + tf.squared_difference(mean1, mean2) * tf.exp(-logvar2))",
  "gaussian_kl", P, H,
  sp.Rational(1, 2) * (-1 + sp.log(v2) - sp.log(v1) + sp.exp(sp.log(v1) - sp.log(v2)) + (m1 - m2) ** 2 * sp.exp(-sp.log(v2))),
  "logvar = log(variance); tf.squared_difference(a, b) = (a - b)^2")
E("ho_code", "q-mean", "GaussianDiffusion2.q_mean_variance, mean",
  "self._extract(self.sqrt_alphas_cumprod, t, x_start.shape) * x_start",
  "forward_jump_mean", P, H, sp.sqrt(AB) * x0, ZERO_BASED)
E("ho_code", "q-variance", "GaussianDiffusion2.q_mean_variance, variance",
  "self._extract(1. - self.alphas_cumprod, t, x_start.shape)", "forward_jump_variance", P, H, 1 - AB, ZERO_BASED)
E("ho_code", "prior-kl", "GaussianDiffusion2._prior_bpd, kl_prior (t = T - 1 in code, i.e. paper T)",
  "normal_kl(mean1=qt_mean, logvar1=qt_log_variance, mean2=0., logvar2=0.)",
  "prior_kl", P, H,
  sp.Rational(1, 2) * (-1 + 0 - sp.log(1 - aT) + sp.exp(sp.log(1 - aT) - 0) + (sp.sqrt(aT) * x0 - 0) ** 2 * sp.exp(-0)),
  "qt_mean = sqrt(alpha_bar_T) x_0, qt_log_variance = log(1 - alpha_bar_T) from q_mean_variance")

# --- DDIM official code ----------------------------------------------------------------------------------
E("ddim_code", "x0-generalized", "generalized_steps, x0_t",
  "(xt - et * (1 - at).sqrt()) / at.sqrt()", "x0_from_eps", P, H, (xt - eth * sp.sqrt(1 - AB)) / sp.sqrt(AB),
  MODEL + " (et = model(xt, t)); at = alpha_bar_t")
E("ddim_code", "x0-ddpm", "ddpm_steps, x0_from_e",
  "(1.0 / at).sqrt() * x - (1.0 / at - 1).sqrt() * e", "x0_from_eps", P, H,
  sp.sqrt(1 / AB) * xt - sp.sqrt(1 / AB - 1) * eth, MODEL + " (e = model output); at = alpha_bar_t, x = x_t")
E("ddim_code", "beta", "ddpm_steps, beta_t",
  "beta_t = 1 - at / atm1", "forward_step_variance", P, H, 1 - AB / b,
  "at = alpha_bar_t, atm1 = alpha_bar_{t-1} (compute_alpha)")

# --- Calvin Luo 2022 --------------------------------------------------------------------------------------
LUO = "Luo's LaTeX, as in the stored verbatim copy of the blog"
E("luo2022", "mu-q", "Variational Diffusion Models: mean under the underbrace of q(x_{t-1}|x_t,x_0)",
  r"\frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})\boldsymbol{x}_{t} + \sqrt{\bar\alpha_{t-1}}(1-\alpha_t)\boldsymbol{x}_0}{1 -\bar\alpha_{t}}",
  "posterior_mean", L, H, (sp.sqrt(a) * (1 - b) * xt + sp.sqrt(b) * (1 - a) * x0) / (1 - AB), LUO)
E("luo2022", "sigma-q-I", "Variational Diffusion Models: Sigma_q(t) under the underbrace",
  r"\frac{(1 - \alpha_t)(1 - \bar\alpha_{t-1})}{1 -\bar\alpha_{t}}\textbf{I}",
  "posterior_variance", L, H, (1 - a) * (1 - b) / (1 - AB), LUO)
E("luo2022", "sigma-q", "Variational Diffusion Models: sigma_q^2(t)",
  r"\sigma_q^2(t) = \frac{(1 - \alpha_t)(1 - \bar\alpha_{t-1})}{1 -\bar\alpha_{t}}",
  "posterior_variance", L, H, (1 - a) * (1 - b) / (1 - AB), LUO)
E("luo2022", "mu-q-eq", "Variational Diffusion Models: mu_q(x_t, x_0) = ...",
  r"\boldsymbol{\mu}_q(\boldsymbol{x}_t, \boldsymbol{x}_0) = \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})\boldsymbol{x}_{t} + \sqrt{\bar\alpha_{t-1}}(1-\alpha_t)\boldsymbol{x}_0}{1 -\bar\alpha_{t}}",
  "posterior_mean", L, H, (sp.sqrt(a) * (1 - b) * xt + sp.sqrt(b) * (1 - a) * x0) / (1 - AB), LUO)
E("luo2022", "eq115-x0", "Three Equivalent Interpretations, eq. (115): x_0 (align line)",
  r"\boldsymbol{x}_0 &= \frac{\boldsymbol{x}_t - \sqrt{1 - \bar\alpha_t}\boldsymbol{\epsilon}_0}{\sqrt{\bar\alpha_t}}",
  "x0_from_eps", L, H, x0_of(eps), LUO + "; epsilon_0 is the forward noise")
E("luo2022", "mu-q-eps", "Three Equivalent Interpretations, eq. (117): mu_q in epsilon_0",
  r"\frac{1}{\sqrt{\alpha_t}}\boldsymbol{x}_t - \frac{1 - \alpha_t}{\sqrt{1 - \bar\alpha_t}\sqrt{\alpha_t}}\boldsymbol{\epsilon}_0",
  "eps_mean", L, H, xt / sp.sqrt(a) - (1 - a) / (sp.sqrt(1 - AB) * sp.sqrt(a)) * eps, LUO)
E("luo2022", "mu-q-align", "Three Equivalent Interpretations, eqs. (116)-(117): the two-line align, as pasted",
  "\\boldsymbol{\\mu}_q(\\boldsymbol{x}_t, \\boldsymbol{x}_0) &= \\frac{\\sqrt{\\alpha_t}(1-\\bar\\alpha_{t-1})\\boldsymbol{x}_{t} + \\sqrt{\\bar\\alpha_{t-1}}(1-\\alpha_t)\\boldsymbol{x}_0}{1 -\\bar\\alpha_{t}}\\\\\n&= \\frac{1}{\\sqrt{\\alpha_t}}\\boldsymbol{x}_t - \\frac{1 - \\alpha_t}{\\sqrt{1 - \\bar\\alpha_t}\\sqrt{\\alpha_t}}\\boldsymbol{\\epsilon}_0",
  "posterior_mean", L, H,
  ((sp.sqrt(a) * (1 - b) * xt + sp.sqrt(b) * (1 - a) * x0) / (1 - AB),
   xt / sp.sqrt(a) - (1 - a) / (sp.sqrt(1 - AB) * sp.sqrt(a)) * eps), LUO)
E("luo2022", "mu-theta-eps", "Three Equivalent Interpretations, eq. (118): mu_theta (align line)",
  r"\boldsymbol{\mu}_{\boldsymbol{\theta}}(\boldsymbol{x}_t, t) &= \frac{1}{\sqrt{\alpha_t}}\boldsymbol{x}_t - \frac{1 - \alpha_t}{\sqrt{1 - \bar\alpha_t}\sqrt{\alpha_t}}\boldsymbol{\hat{\epsilon}}_{\boldsymbol{\theta}}(\boldsymbol{x}_t, t)",
  "eps_mean", L, H, xt / sp.sqrt(a) - (1 - a) / (sp.sqrt(1 - AB) * sp.sqrt(a)) * eth, LUO + "; " + MODEL)
E("luo2022", "mu-theta-x0", "Variational Diffusion Models: mu_theta with x_hat_theta",
  r"\boldsymbol{\mu}_{\boldsymbol{\theta}}(\boldsymbol{x}_t, t) = \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})\boldsymbol{x}_{t} + \sqrt{\bar\alpha_{t-1}}(1-\alpha_t)\hat{\boldsymbol{x}}_{\boldsymbol{\theta}}(\boldsymbol{x}_t, t)}{1 -\bar\alpha_{t}}",
  "posterior_mean", L, D, (sp.sqrt(a) * (1 - b) * xt + sp.sqrt(b) * (1 - a) * x0_model) / (1 - AB),
  LUO + "; model form (x_hat_theta, the network's estimate of x_0)")
E("luo2022", "eps-weight", "Three Equivalent Interpretations: weight of ||eps_0 - eps_hat||^2",
  r"\frac{1}{2\sigma_q^2(t)}\frac{(1 - \alpha_t)^2}{(1 - \bar\alpha_t)\alpha_t}",
  "kl_eps_weight", L, D, 1 / (2 * BETA_TILDE) * (1 - a) ** 2 / ((1 - AB) * a),
  LUO + "; correct: sigma_q^2(t) is beta_tilde_t, the catalog weight has sigma_t^2 free")
E("luo2022", "mu-q-score", "Three Equivalent Interpretations, eq. (135): mu_q in the score",
  r"\frac{1}{\sqrt{\alpha_t}}\boldsymbol{x}_t + \frac{1 - \alpha_t}{\sqrt{\alpha_t}}\nabla\log p(\boldsymbol{x}_t)",
  "posterior_mean", L, H, xt / sp.sqrt(a) + (1 - a) / sp.sqrt(a) * score_of(eps),
  LUO + "; nabla log p(x_t) = -eps_0/sqrt(1 - alpha_bar_t) by eq. (151)")
E("luo2022", "score", "Three Equivalent Interpretations, eq. (151) (align line)",
  r"\nabla\log p(\boldsymbol{x}_t) &= -\frac{1}{\sqrt{1 - \bar\alpha_t}}\boldsymbol{\epsilon}_0",
  "score", L, H, -eps / sp.sqrt(1 - AB), LUO)
E("luo2022", "tweedie-x0", "Three Equivalent Interpretations, eq. (133): x_0 by Tweedie (with \\therefore)",
  r"\therefore \boldsymbol{x}_0 = \frac{\boldsymbol{x}_t + (1 - \bar\alpha_t)\nabla\log p(\boldsymbol{x}_t)}{\sqrt{\bar\alpha_t}}",
  "x0_from_eps", L, H, (xt + (1 - AB) * score_of(eps)) / sp.sqrt(AB), LUO + "; the score as in eq. (151)")
E("luo2022", "jump-mean-prod", "Variational Diffusion Models: x_t derivation, product form",
  r"\sqrt{\prod_{i=1}^t\alpha_i}\boldsymbol{x}_0", "forward_jump_mean", L, H, sp.sqrt(AB) * x0,
  LUO + "; prod_{i=1}^t alpha_i = alpha_bar_t")
E("luo2022", "jump-var", "Variational Diffusion Models: covariance of q(x_t|x_0)",
  r"\left(1 - \bar\alpha_t\right)\textbf{I}", "forward_jump_variance", L, H, 1 - AB, LUO)
E("luo2022", "step-var", "Variational Diffusion Models: covariance of q(x_t|x_{t-1})",
  r"(1 - \alpha_t)\textbf{I}", "forward_step_variance", L, H, 1 - a, LUO)
E("luo2022", "step-mean", "Variational Diffusion Models: mean of q(x_t|x_{t-1})",
  r"\sqrt{\alpha_t} \boldsymbol{x}_{t-1}", "forward_step_mean", L, H, sp.sqrt(a) * xprev, LUO)
E("luo2022", "kl-mvn", "Variational Diffusion Models: KL between two Gaussians (one dimension, d = 1)",
  r"\frac{1}{2}\left[\log\frac{\mid\boldsymbol{\Sigma}_y\mid}{\mid\boldsymbol{\Sigma}_x\mid} - d + \text{tr}(\boldsymbol{\Sigma}_y^{-1}\boldsymbol{\Sigma}_x) + (\boldsymbol{\mu}_y-\boldsymbol{\mu}_x)^T \boldsymbol{\Sigma}_y^{-1} (\boldsymbol{\mu}_y-\boldsymbol{\mu}_x)\right]",
  "gaussian_kl", L, H, sp.Rational(1, 2) * (sp.log(v2 / v1) - 1 + v1 / v2 + (m2 - m1) ** 2 / v2),
  LUO + "; KL(N(mu_x, Sigma_x) || N(mu_y, Sigma_y)) with d = 1: x is the first argument")

# --- 0809zheng blog ------------------------------------------------------------------------------------
ZHENG = "diffusion summary post in _posts (index file 292763585)"
E("zheng", "beta-tilde-chain", "q(x_{t-1}|x_t,x_0): beta_tilde (align line, 3-member chain)",
  r"\tilde{\beta}_t & =1 /\left(\frac{\alpha_t}{\beta_t}+\frac{1}{1-\bar{\alpha}_{t-1}}\right)=1 /\left(\frac{\alpha_t-\bar{\alpha}_t+\beta_t}{\beta_t\left(1-\bar{\alpha}_{t-1}\right)}\right)=\frac{1-\bar{\alpha}_{t-1}}{1-\bar{\alpha}_t} \cdot \beta_t",
  "posterior_variance", L, D,
  (1 / (a / BETA + 1 / (1 - b)), 1 / ((a - AB + BETA) / (BETA * (1 - b))), (1 - b) / (1 - AB) * BETA), ZHENG)
E("zheng", "mu-tilde-ratio", "q(x_{t-1}|x_t,x_0): mu_tilde first line",
  r"\tilde{\boldsymbol{\mu}}_t\left(\mathbf{x}_t, \mathbf{x}_0\right) & =\left(\frac{\sqrt{\alpha_t}}{\beta_t} \mathbf{x}_t+\frac{\sqrt{\bar{\alpha}_{t-1}}}{1-\bar{\alpha}_{t-1}} \mathbf{x}_0\right) /\left(\frac{\alpha_t}{\beta_t}+\frac{1}{1-\bar{\alpha}_{t-1}}\right)",
  "posterior_mean", L, D, (sp.sqrt(a) / BETA * xt + sp.sqrt(b) / (1 - b) * x0) / (a / BETA + 1 / (1 - b)), ZHENG)
E("zheng", "mu-tilde-last", "q(x_{t-1}|x_t,x_0): mu_tilde last line (continuation '& =')",
  r"& =\frac{\sqrt{\alpha_t}\left(1-\bar{\alpha}_{t-1}\right)}{1-\bar{\alpha}_t} \mathbf{x}_t+\frac{\sqrt{\bar{\alpha}_{t-1}} \beta_t}{1-\bar{\alpha}_t} \mathbf{x}_0",
  "posterior_mean", L, H, sp.sqrt(a) * (1 - b) / (1 - AB) * xt + sp.sqrt(b) * BETA / (1 - AB) * x0, ZHENG)
E("zheng", "mu-eps", "substituting x_0: last line (continuation '& =')",
  r"& =\frac{1}{\sqrt{\alpha_t}}\left(\mathbf{x}_t-\frac{1-\alpha_t}{\sqrt{1-\bar{\alpha}_t}} \epsilon_t\right)",
  "eps_mean", L, H, (xt - (1 - a) / sp.sqrt(1 - AB) * eps) / sp.sqrt(a), ZHENG)
E("zheng", "kl", "modelling L_t: KL of two normal distributions (inline)",
  r"\log \frac{\sigma_2}{\sigma_1}+\frac{\sigma_1^2+(\mu_1-\mu_2)^2}{2\sigma_2^2}-\frac{1}{2}",
  "gaussian_kl", L, H,
  sp.log(sp.sqrt(v2) / sp.sqrt(v1)) + (v1 + (m1 - m2) ** 2) / (2 * v2) - sp.Rational(1, 2), ZHENG)
E("zheng", "posterior-var-I", "modelling L_t: covariance of q(x_{t-1}|x_t,x_0)",
  r"\frac{1-\bar{\alpha}_{t-1}}{1-\bar{\alpha}_t} \cdot \beta_t \mathbf{I}",
  "posterior_variance", L, H, (1 - b) / (1 - AB) * BETA, ZHENG)
E("zheng", "weight", "modelling L_t: the weight in the third line",
  r"\frac{\left(1-\alpha_t\right)^2}{2 \alpha_t\left(1-\bar{\alpha}_t\right)\sigma_t^2}",
  "kl_eps_weight", L, H, (1 - a) ** 2 / (2 * a * (1 - AB) * s2), ZHENG)
E("zheng", "x0", "substituting x_0 (inline)",
  r"\mathbf{x}_0=(\mathbf{x}_t-\sqrt{1-\bar{\alpha}_t} \boldsymbol{\epsilon})/\sqrt{\bar{\alpha}_t}",
  "x0_from_eps", L, H, x0_of(eps), ZHENG)
E("zheng", "sigma-overline", "variants table, DDPM row: sigma_t^2 (\\overline)",
  r"\sigma_t^2=\frac{1-\overline{\alpha}_{t-1}}{1-\overline{\alpha}_{t}}\cdot \beta_t",
  "posterior_variance", L, D, (s2, (1 - b) / (1 - AB) * BETA), ZHENG + "; " + "sigma_t^2 on the left is the catalog's reverse-process variance, a free parameter: as a statement about the target it differs (sigma_t^2 = beta_tilde_t is DDPM's choice, not an identity; check adds 'agrees only when sigma_t^2 = ...')")
E("zheng", "code-normal-kl", "modelling L_t: code cell normal_kl",
  "0.5 * (-1.0 + logvar2 - logvar1 + torch.exp(logvar1 - logvar2) + ((mean1 - mean2) ** 2) * torch.exp(-logvar2))",
  "gaussian_kl", P, H,
  sp.Rational(1, 2) * (-1 + sp.log(v2) - sp.log(v1) + sp.exp(sp.log(v1) - sp.log(v2)) + (m1 - m2) ** 2 * sp.exp(-sp.log(v2))),
  ZHENG + "; logvar = log(variance)")
E("zheng", "mu-theta", "modelling L_t: mu_theta as a function of eps_theta",
  r"\boldsymbol{\mu}_\theta\left(\mathbf{x}_t, t\right) = \frac{1}{\sqrt{\alpha_t}}\left(\mathbf{x}_t-\frac{1-\alpha_t}{\sqrt{1-\bar{\alpha}_t}} \boldsymbol{\epsilon}_\theta\left(\mathbf{x}_t, t\right)\right)",
  "eps_mean", L, H, (xt - (1 - a) / sp.sqrt(1 - AB) * eth) / sp.sqrt(a), ZHENG + "; " + MODEL)

# --- david-wb/tiny-diffusion README (uses i for t in the derivation) -----------------------------------------
TINY_I = "index i stands for t: alpha_i = alpha_t, alpha_bar_{i-1} = alpha_bar_{t-1}, x_i = x_t"
E("tiny", "step-mean", "Diffusion Process: mean of q(x_t|x_{t-1})", r"\sqrt{\alpha_{t}} x_{t-1}",
  "forward_step_mean", L, H, sp.sqrt(a) * xprev)
E("tiny", "step-var", "Diffusion Process: covariance of q(x_t|x_{t-1})", r"(1 - \alpha_t) I",
  "forward_step_variance", L, H, 1 - a)
E("tiny", "jump-mean", "Diffusion Process: mean of q(x_t|x_0)", r"\sqrt{\bar{\alpha}_t}x_{0}",
  "forward_jump_mean", L, H, sp.sqrt(AB) * x0)
E("tiny", "jump-var", "Diffusion Process: covariance of q(x_t|x_0)", r"(1 - \bar{\alpha}_t) I",
  "forward_jump_variance", L, H, 1 - AB)
E("tiny", "x0", "Diffusion Process: x_0 by rearranging (plain code block)",
  r"x_0 = \frac{1}{\sqrt{\bar{\alpha}_t}}(x_t - \sqrt{1 - \bar{\alpha}_t}\epsilon)",
  "x0_from_eps", L, H, x0_of(eps))
E("tiny", "mu-conditional", "Conditional Gaussian Formula: second line of mu_{Y|X}",
  r"&= \sqrt{\bar{\alpha}_{i-1}}x_{0} + \frac{\sqrt{\alpha_i}(1 - \bar{\alpha}_{i-1})}{(1 - \bar{\alpha}_{i})}(x_{i} - \sqrt{\bar{\alpha}_{i}}x_{0})",
  "posterior_mean", L, H, sp.sqrt(b) * x0 + sp.sqrt(a) * (1 - b) / (1 - AB) * (xt - sp.sqrt(AB) * x0), TINY_I)
E("tiny", "mu-boxed", "Conditional Gaussian Formula: the boxed mean",
  "\\boxed{\\frac{\\sqrt{\\bar{\\alpha}_{i-1}}}{1 - \\bar{\\alpha}_{i}}(1 - \\alpha_i)x_0\n+ \\sqrt{\\alpha_i}\\frac{(1 - \\bar{\\alpha}_{i-1})}{(1 - \\bar{\\alpha}_{i})}x_{i}}",
  "posterior_mean", L, H, sp.sqrt(b) / (1 - AB) * (1 - a) * x0 + sp.sqrt(a) * (1 - b) / (1 - AB) * xt, TINY_I)
E("tiny", "var-line", "Conditional Gaussian Formula: variance, fourth line",
  r"&= (1 - \bar{\alpha}_{i-1})\left(1 - \frac{\alpha_i(1 - \bar{\alpha}_{i-1})}{1 - \bar{\alpha}_i}\right)I",
  "posterior_variance", L, H, (1 - b) * (1 - a * (1 - b) / (1 - AB)), TINY_I)
E("tiny", "var-boxed", "Conditional Gaussian Formula: the boxed variance",
  r"\boxed{\frac{1 - \bar{\alpha}_{i-1}}{1 - \bar{\alpha}_i}\left(1 - \alpha_i\right)I}",
  "posterior_variance", L, H, (1 - b) / (1 - AB) * (1 - a), TINY_I)
E("tiny", "sigma-tilde", "Training the Denoising Model: target variance",
  r"\tilde{\sigma}^2(i) = \frac{1 - \bar{\alpha}_{i-1}}{1 - \bar{\alpha}_i}\left(1 - \alpha_i\right)",
  "posterior_variance", L, H, (1 - b) / (1 - AB) * (1 - a), TINY_I)
E("tiny", "kl", "Training the Denoising Model: KL of two isotropic normals",
  r"\text{KL}(p, q) = \frac{1}{2} \left[ \log \frac{\sigma_2^2}{\sigma_1^2} + \frac{\sigma_1^2 + (\mu_1 - \mu_2)^2}{\sigma_2^2} - 1 \right]",
  "gaussian_kl", L, H, sp.Rational(1, 2) * (sp.log(v2 / v1) + (v1 + (m1 - m2) ** 2) / v2 - 1))
E("tiny", "mu-eps-subst", "Training the Denoising Model: x_0 substituted (second line)",
  "&= \\frac{\\sqrt{\\bar{\\alpha}_{i-1}}}{1 - \\bar{\\alpha}_{i}}(1 - \\alpha_i)\\left(\\frac{1}{\\sqrt{\\bar{\\alpha}_i}}(x_i - \\sqrt{1 - \\bar{\\alpha}_i}\\epsilon)\\right)\n+ \\sqrt{\\alpha_i}\\frac{(1 - \\bar{\\alpha}_{i-1})}{(1 - \\bar{\\alpha}_{i})}x_i",
  "eps_mean", L, H, sp.sqrt(b) / (1 - AB) * (1 - a) * x0_of(eps) + sp.sqrt(a) * (1 - b) / (1 - AB) * xt, TINY_I)
E("tiny", "mu-eps-third", "Training the Denoising Model: third line",
  "&= \\frac{1}{\\sqrt{\\alpha_i}}\\frac{1 - \\alpha_i}{1 - \\bar{\\alpha}_{i}}\\left(x_i - \\sqrt{1 - \\bar{\\alpha}_i}\\epsilon\\right)\n+ \\sqrt{\\alpha_i}\\frac{(1 - \\bar{\\alpha}_{i-1})}{(1 - \\bar{\\alpha}_{i})}x_i",
  "eps_mean", L, H, 1 / sp.sqrt(a) * (1 - a) / (1 - AB) * (xt - sp.sqrt(1 - AB) * eps) + sp.sqrt(a) * (1 - b) / (1 - AB) * xt,
  TINY_I)
E("tiny", "mu-eps-fourth", "Training the Denoising Model: fourth line (where the sign flips)",
  "&= \\frac{1 - \\alpha_i}{\\sqrt{\\alpha_i}\\sqrt{1 - \\bar{\\alpha}_{i}}}\\epsilon\n+ \\frac{1}{\\sqrt{\\alpha_i}}\\left(\\frac{1 - \\alpha_i}{1 - \\bar{\\alpha}_{i}} + \\alpha_i\\frac{(1 - \\bar{\\alpha}_{i-1})}{(1 - \\bar{\\alpha}_{i})}\\right)x_i",
  "eps_mean", L, D,
  (1 - a) / (sp.sqrt(a) * sp.sqrt(1 - AB)) * eps + 1 / sp.sqrt(a) * ((1 - a) / (1 - AB) + a * (1 - b) / (1 - AB)) * xt,
  TINY_I, error="the epsilon term changes sign: +(1 - alpha)/(sqrt(alpha) sqrt(1 - alpha_bar)) eps where minus belongs")
E("tiny", "mu-eps-final", "Training the Denoising Model: last line (the reparameterised mean)",
  "\\frac{1 - \\alpha_i}{\\sqrt{\\alpha_i}\\sqrt{1 - \\bar{\\alpha}_{i}}}\\epsilon\n+ \\frac{1}{\\sqrt{\\alpha_i}}x_i",
  "eps_mean", L, D, (1 - a) / (sp.sqrt(a) * sp.sqrt(1 - AB)) * eps + xt / sp.sqrt(a), TINY_I,
  error="sign of the epsilon term: + where minus belongs (carried into the sampling step x_{i-1} := ...)")

# --- Theory2Code course notes ------------------------------------------------------------------------------
E("t2c", "jump-mean", "1.4 Step 2: mean of q(x_t|x_0) (with \\,)", r"\sqrt{\bar{\alpha}_t}\,x_0",
  "forward_jump_mean", L, H, sp.sqrt(AB) * x0)
E("t2c", "jump-var", "1.3: covariance of q(x_t|x_0)", r"(1-\bar{\alpha}_t)I", "forward_jump_variance", L, H, 1 - AB)
E("t2c", "mu-tilde", "1.5: posterior mean",
  r"\tilde{\mu}_t(x_t, x_0) = \frac{\sqrt{\bar{\alpha}_{t-1}}\beta_t}{1-\bar{\alpha}_t}x_0 + \frac{\sqrt{\alpha_t}(1-\bar{\alpha}_{t-1})}{1-\bar{\alpha}_t}x_t",
  "posterior_mean", L, H, sp.sqrt(b) * BETA / (1 - AB) * x0 + sp.sqrt(a) * (1 - b) / (1 - AB) * xt)
E("t2c", "beta-tilde", "1.5: posterior variance",
  r"\tilde{\beta}_t = \frac{1-\bar{\alpha}_{t-1}}{1-\bar{\alpha}_t}\beta_t",
  "posterior_variance", L, H, (1 - b) / (1 - AB) * BETA)
E("t2c", "x0", "1.6: x_0 from x_t and the noise",
  r"x_0 = \frac{x_t - \sqrt{1-\bar{\alpha}_t}\epsilon}{\sqrt{\bar{\alpha}_t}}", "x0_from_eps", L, H, x0_of(eps))
E("t2c", "mu-eps-chain", "1.6: mu_tilde(x_t, eps), chain of two forms",
  r"\tilde{\mu}_t(x_t, \epsilon) = \frac{1}{\sqrt{\alpha_t}}\left(x_t - \frac{\beta_t}{\sqrt{1-\bar{\alpha}_t}}\epsilon\right) = \frac{1}{\sqrt{\alpha_t}}\left(x_t - \frac{1-\alpha_t}{\sqrt{1-\bar{\alpha}_t}}\epsilon\right)",
  "eps_mean", L, H, (eps_mean_of(eps), (xt - (1 - a) / sp.sqrt(1 - AB) * eps) / sp.sqrt(a)))
E("t2c", "weight-product", "1.6: the weight, as a product of two fractions",
  r"\frac{1}{2\sigma_t^2} \frac{\beta_t^2}{\alpha_t(1-\bar{\alpha}_t)}", "kl_eps_weight", L, H,
  1 / (2 * s2) * BETA**2 / (a * (1 - AB)))
E("t2c", "weight", "1.8: the weighting factor", r"\frac{\beta_t^2}{2\sigma_t^2 \alpha_t (1-\bar{\alpha}_t)}",
  "kl_eps_weight", L, H, BETA**2 / (2 * s2 * a * (1 - AB)))
E("t2c", "sigma-chain", "1.8: choice of sigma_t^2 (chain)",
  r"\sigma_t^2 = \tilde{\beta}_t = \frac{1-\bar{\alpha}_{t-1}}{1-\bar{\alpha}_t}\beta_t",
  "posterior_variance", L, D, (s2, BETA_TILDE, (1 - b) / (1 - AB) * BETA), "sigma_t^2 on the left is the catalog's reverse-process variance, a free parameter: as a statement about the target it differs (sigma_t^2 = beta_tilde_t is DDPM's choice, not an identity; check adds 'agrees only when sigma_t^2 = ...')")
E("t2c", "mu-tilde-bold", "1.9 step 2: posterior mean (bold x)",
  r"\tilde{\mu}_t(\mathbf{x}_t, \mathbf{x}_0) = \frac{\sqrt{\alpha_t}(1-\bar{\alpha}_{t-1})}{1-\bar{\alpha}_t}\mathbf{x}_t + \frac{\sqrt{\bar{\alpha}_{t-1}}\beta_t}{1-\bar{\alpha}_t}\mathbf{x}_0",
  "posterior_mean", L, H, sp.sqrt(a) * (1 - b) / (1 - AB) * xt + sp.sqrt(b) * BETA / (1 - AB) * x0)
E("t2c", "x0-hat", "1.9 step 3: x_0 estimate",
  r"\hat{\mathbf{x}}_0 = \frac{1}{\sqrt{\bar{\alpha}_t}}(\mathbf{x}_t - \sqrt{1-\bar{\alpha}_t}\boldsymbol{\epsilon}_\theta(\mathbf{x}_t, t))",
  "x0_from_eps", L, H, x0_of(eth), MODEL)
E("t2c", "pseudo-mu", "1.10 pseudo-code for sampling (paper-indexed arrays, t = T..1)",
  "mu_t = (1 / sqrt(alpha[t])) * (x_t - beta[t] / sqrt(1 - alpha_bar[t]) * epsilon_pred)",
  "eps_mean", P, H, (1 / sp.sqrt(a)) * (xt - BETA / sp.sqrt(1 - AB) * eth), MODEL + " (epsilon_pred)")

# --- VAE KL in code (Kingma & Welling 2013, Appendix B) -------------------------------------------------------
E("pytorch_vae", "kld", "loss_function, KLD",
  "KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())",
  "standard_normal_kl", P, H, -sp.Rational(1, 2) * (1 + sp.log(v) - mu**2 - sp.exp(sp.log(v))),
  "logvar = log(sigma^2); the sum is over latent coordinates (compared per coordinate)")
E("pytorch_vae", "comment", "loss_function, comment quoting Appendix B",
  "0.5 * sum(1 + log(sigma^2) - mu^2 - sigma^2)",
  "standard_normal_kl", P, D, sp.Rational(1, 2) * (1 + sp.log(v) - mu**2 - v),
  "correct as a quote of Kingma & Welling's -D_KL; as a formula for the KL it has the opposite sign")
E("seya", "gaussian-kl", "gaussianKL",
  "kl = -.5 - logsigma + .5 * (mean**2 + T.exp(2 * logsigma))",
  "standard_normal_kl", P, H, -sp.Rational(1, 2) - sp.log(sp.sqrt(v)) + sp.Rational(1, 2) * (mu**2 + sp.exp(2 * sp.log(sp.sqrt(v)))),
  "logsigma = log(sigma), a standard deviation")
E("effective_tf", "gaussian-kl", "gaussian_kl (inside tf.reduce_sum over the last axis)",
  "0.5 * (log_sigma2_sq - log_sigma1_sq +\n           tf.exp(log_sigma1_sq - log_sigma2_sq) +\n           tf.square(mu1 - mu2) / tf.exp(log_sigma2_sq) -\n           1)",
  "gaussian_kl", P, H,
  sp.Rational(1, 2) * (sp.log(v2) - sp.log(v1) + sp.exp(sp.log(v1) - sp.log(v2)) + (m1 - m2) ** 2 / sp.exp(sp.log(v2)) - 1),
  "q = (mu1, log sigma1^2) is the first argument")
E("dlai", "denoise-add-noise", "denoise_add_noise, mean",
  "mean = (x - pred_noise * ((1 - alphas[t]) / (1 - alphas_hat[t]).sqrt())) / alphas[t].sqrt()",
  "eps_mean", P, H, (xt - eth * ((1 - a) / sp.sqrt(1 - AB))) / sp.sqrt(a), MODEL + " (pred_noise); alphas_hat = alpha_bar")

# --- Unicode, from public notes and code comments (repositories not named by the index) -----------------------
E("unicode_notebook", "x0", "markdown cell 'Two views of the same target' (U+2212 minus, U+00B7 dot)",
  "x_0 = (x_t − √(1-ᾱ_t)·ε) / √ᾱ_t", "x0_from_eps", P, H, x0_of(eps))
E("unicode_report", "jump-mean", "table row 'Forward process', mean",
  "√ᾱ_t · x_0", "forward_jump_mean", P, H, sp.sqrt(AB) * x0)
E("unicode_report", "jump-var", "table row 'Forward process', covariance (U+2212 minus)",
  "(1 − ᾱ_t) I", "forward_jump_variance", P, H, 1 - AB)
E("unicode_physics", "x0-hat", "comment 'DDPM denoising formula' (subscript digit, hats)",
  "x̂₀ = (x_t - √(1-ᾱ_t) * ε̂) / √ᾱ_t", "x0_from_eps", P, H, x0_of(eth), MODEL + " (epsilon hat)")
E("unicode_zig", "jump-var", "comment '// Forward process: q(x_t|x_0) = N(√ᾱ_t·x_0, (1-ᾱ_t)I)', covariance",
  "(1-ᾱ_t)I", "forward_jump_variance", P, H, 1 - AB)
E("unicode_notes_it", "step-mean", "table row 'catena di Markov gaussiana', mean of p(x_t|x_{t-1})",
  "√(1−β_t)x_{t-1}", "forward_step_mean", P, H, sp.sqrt(1 - BETA) * xprev)


# ---------------------------------------------------------------------------------------------
# Misreadings by the current reader (measured with `python bench/corpus_published.py`): correct
# formulas that check reads but does not prove.  The test lets this list shrink, never grow.

KNOWN_ISSUES: dict[str, str] = {
    # Fixed by the reader rewrite (issue 16): ho2020:eq9-x0, ho2020:eq10-mean, labml:mu-eps, where
    # x_t(x_0, eps) inside a bracket made the whole bracketed factor vanish (read as 1/sqrt(alpha_t)).
}

ENTRIES = [replace(e, known_issue=KNOWN_ISSUES.get(e.id)) for e in ENTRIES]

#: Published errors found while building the corpus that have no catalog target (reported only).
ERRORS_WITHOUT_TARGET: list[tuple[str, str]] = [
    ("weng2021", r"\bar{\alpha}_t = \prod_{i=1}^T \alpha_i -- upper limit T where t belongs (fixed later)"),
    ("weng2021", r"cosine schedule f(t)=\cos(\frac{t/T+s}{1+s}\cdot\frac{\pi}{2}) -- the square of Nichol & Dhariwal's f(t) is missing"),
    ("hf", r"\bar{\alpha}t := \Pi_{s=1}^{t} \alpha_s -- subscript underscore missing (renders as alpha-bar times t)"),
    ("hf", "quadratic_beta_schedule: torch.linspace(beta_start**2, beta_end**2, timesteps) ** 2 -- squares the ends "
           "before the linspace and again after (should be linspace of beta**0.5, then ** 2)"),
    ("ldm", "lvlb_weights for 'x0': 0.5 * np.sqrt(torch.Tensor(alphas_cumprod)) / (2. * 1 - torch.Tensor(alphas_cumprod)) "
            "-- '2. * 1 - alpha_bar' where 2 (1 - alpha_bar) belongs"),
    ("tiny", r"\epsilon \sim \mathcal{N}(\cdot; 1, I) -- unit noise with mean 1"),
    ("tiny", r"\mu_{Y\mid X} &= \mu_{Y}  \boldsymbol{\Sigma}_{X}^{-1}(\boldsymbol{X} - \mu_{X}) -- the '+ Sigma_YX' of the "
             "conditional-Gaussian formula is missing"),
    ("labml", r"\color{cyan}{\mu_\theta}x_t, t) -- opening parenthesis missing in p_theta(x_{t-1}|x_t)"),
]


# ---------------------------------------------------------------------------------------------
# Independent confirmation of `truth` (this module's symbols only).

_p, _q = sp.symbols("_p _q", positive=True)


def _members(entry: Entry) -> tuple:
    return entry.truth_expr if isinstance(entry.truth_expr, tuple) else (entry.truth_expr,)


def _prepared(expr: sp.Expr) -> sp.Expr:
    """Apply the forward relation and write a = p^2, b = q^2 (so sqrt(a), sqrt(b), sqrt(ab) are exact)."""
    expr = sp.sympify(expr).xreplace(FORWARD)
    return expr.xreplace({a: _p**2, b: _q**2})


def symbolically_zero(difference: sp.Expr) -> bool:
    d = sp.expand_log(_prepared(difference), force=True)
    if d == 0:
        return True
    d = sp.simplify(d)
    if d == 0:
        return True
    return sp.simplify(sp.radsimp(sp.together(d))) == 0


def numeric_difference(difference: sp.Expr) -> complex:
    value = sp.sympify(difference).xreplace(FORWARD).xreplace(SAMPLE_POINT)
    return complex(sp.N(value, 30))


T1_POINT = {**SAMPLE_POINT, b: sp.Integer(1)}   # t = 1: alpha_bar_0 = 1


def undefined_at_t1(entry: Entry) -> bool:
    """Some member is undefined (a division by zero) at t = 1, where the target itself is finite.

    These are the Bayes-rule forms 1/(alpha_t/beta_t + 1/(1 - alpha_bar_{t-1})): equal to the target for
    t >= 2 and in the limit t -> 1, but not at t = 1, which is in the target's domain: they differ
    (``UNDEFINED_AT_T1``).  Every node is evaluated as written, so 1/zoo = 0 cannot hide the zero.
    """
    def defined(expr) -> bool:
        # every sub-expression must be finite: SymPy's 1/zoo = 0 would hide a division by zero
        expr = sp.sympify(expr).xreplace(FORWARD)
        for sub in sp.preorder_traversal(expr):
            value = sp.N(sub.xreplace(T1_POINT), 30) if sub.free_symbols else sub
            if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or value.is_finite is False:
                return False
        return True

    return defined(entry.target_expr) and not all(defined(m) for m in _members(entry))


#: Targets stated for t >= 2 only (their value at t = 1 is not part of the statement).
T_GE_2 = {"posterior_log_variance", "kl_eps_constant", "denoising_kl"}
#: Entries correct for t >= 2 only: they divide by 1 - alpha_bar_{t-1}, which is 0 at t = 1, where the
#: target is defined (beta_tilde_1 = 0, mu_tilde_1 = x_0).  A formula equals the target only if it is
#: defined on the target's whole domain (DESIGN.md), so these differ (check adds "agrees for t >= 2").
UNDEFINED_AT_T1 = {"weng2021:beta-tilde-chain", "weng:beta-tilde-chain3", "weng:beta-tilde-middle",
                   "weng:mu-tilde-ratio", "weng:mu-tilde-product", "lucidrains:comment-variance",
                   "zheng:beta-tilde-chain", "zheng:mu-tilde-ratio"}


def confirm(entry: Entry) -> str:
    """``holds`` when every member of ``truth_expr`` equals ``target_expr`` exactly, ``differs`` when
    some member differs at SAMPLE_POINT, ``unconfirmed`` otherwise."""
    members = _members(entry)
    if entry.model_form and eth not in entry.target_expr.free_symbols:
        # The model's prediction is read as the quantity it predicts (check's convention, noted in
        # its output): eps_theta as eps, where the target is written with the noise.
        members = [sp.sympify(m).xreplace({eth: eps}) for m in members]
    if entry.target not in T_GE_2 and undefined_at_t1(entry):
        return "differs"
    diffs = [m - entry.target_expr for m in members]
    if any(abs(numeric_difference(d)) > 1e-9 for d in diffs):
        return "differs"
    if all(symbolically_zero(d) for d in diffs):
        return "holds"
    return "unconfirmed"


SOURCE_KEYS = sorted({e.source_key for e in ENTRIES})


# ---------------------------------------------------------------------------------------------
# Running the corpus through `check` (used by the test and by bench/corpus_published.py).

@dataclass(frozen=True)
class Outcome:
    entry: Entry
    verdict: str | None          # holds / differs / undecided when the formula was read
    refusal: str | None          # the one-line message of a ValueError/TypeError (formula not read)
    error: str | None            # any other exception: a bug
    parsed: str
    seconds: float

    @property
    def read(self) -> bool:
        return self.verdict is not None

    @property
    def false_holds(self) -> bool:
        return self.verdict == "holds" and self.entry.truth == "differs"

    @property
    def correct(self) -> bool:
        return self.read and self.verdict == self.entry.truth


def run(entry: Entry, timeout: float = 20.0) -> Outcome:
    """``check(target, text, latex=<mode>, timeout, hints=False)`` in this process."""
    from crosscheck.commands.check import check

    start = time.perf_counter()
    try:
        verdict = check(entry.target, entry.text, latex=(entry.mode == "latex"), timeout=timeout, hints=False)
    except (ValueError, TypeError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Outcome(entry, None, message, None, "", time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 - recorded and asserted against by the test
        return Outcome(entry, None, None, f"{type(exc).__name__}: {exc}", "", time.perf_counter() - start)
    return Outcome(entry, verdict.status, None, None, verdict.parsed, time.perf_counter() - start)


def run_all(timeout: float = 20.0) -> list[Outcome]:
    return [run(e, timeout) for e in ENTRIES]


def refusal_cause(message: str) -> str:
    """The refusal message with its particulars (quoted names, the formula) taken out, for grouping."""
    cause = re.sub(r"\(did you mean [^)]*\)", "", message)
    cause = re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", "'…'", cause)
    cause = re.sub(r";\s*(accepted|targets|accepted symbols|accepted left sides)\b.*", "", cause)
    cause = re.sub(r"\b\d+\b", "N", cause)
    return re.sub(r"\s+", " ", cause).strip()


def summary(outcomes: list[Outcome]) -> dict:
    read = [o for o in outcomes if o.read]
    return {
        "entries": len(outcomes),
        "sources": len({o.entry.source for o in outcomes}),
        "read": len(read),
        "parse_rate": len(read) / len(outcomes),
        "correct": sum(o.correct for o in read),
        "accuracy": (sum(o.correct for o in read) / len(read)) if read else 0.0,
        "false_holds": [o.entry.id for o in outcomes if o.false_holds],
        "errors": [o.entry.id for o in outcomes if o.error],
        "misread_holds": [o.entry.id for o in read if o.entry.truth == "holds" and o.verdict != "holds"],
        "published_errors": sum(1 for o in outcomes if o.entry.published_error),
    }


# ---------------------------------------------------------------------------------------------
# Did check read the formula as published?  (Independent of its verdict: a misreading can still
# land on the right verdict by luck.)

def _reader_names() -> dict:
    sigma_t, sigma_1, sigma_2, sigma = sp.sqrt(s2), sp.sqrt(v1), sp.sqrt(v2), sp.sqrt(v)
    return {"alpha_t": a, "alpha_bar_prev": b, "alpha_bar_t": AB, "beta_t": BETA, "beta_tilde_t": BETA_TILDE,
            "alpha_bar_T": aT, "sigma_t": sigma_t, "sigma2_t": s2, "sigma_tilde_t": sp.sqrt(BETA_TILDE),
            "x_0": x0, "x_t": xt, "x_prev": xprev, "eps": eps, "eps_theta": eth, "I": sp.Integer(1),
            "mu_1": m1, "mu_2": m2, "sigma_1": sigma_1, "sigma_2": sigma_2, "var_1": v1, "var_2": v2,
            "mu": mu, "sigma": sigma, "var": v, "pi": sp.pi, "e": sp.E, "sqrt": sp.sqrt, "log": sp.log,
            "exp": sp.exp, "Abs": sp.Abs}


def reading_matches(outcome: Outcome) -> bool | None:
    """True when the expression check reports it read equals (at SAMPLE_POINT) a member of the
    entry's truth_expr, False when it does not, None when the report cannot be mapped back."""
    if not outcome.read or not outcome.parsed:
        return None
    text = outcome.parsed
    if text.startswith("side 1 "):
        return None                      # the left side of an equation is being judged, not the formula
    if text.startswith("side") and "): " in text:
        text = text.rsplit("): ", 1)[1]
    try:
        expr = sp.sympify(text, locals=_reader_names())
    except Exception:  # noqa: BLE001 - an unmappable report is "unknown", not a failure
        return None
    known = set(SAMPLE_POINT) | {xt}
    if not expr.free_symbols <= known:
        return None
    try:
        value = numeric_difference(expr)
    except (TypeError, ValueError):
        return None
    for member in _members(outcome.entry):
        if abs(value - numeric_difference(member)) <= 1e-9 * max(1.0, abs(value)):
            return True
    return False
