r"""The verified derivation as LaTeX: one fragment per step and identity, and the homework
write-up ``derivation.tex`` (article class, amsmath and amssymb; graphicx only when figures
are included).

Every formula is printed by :mod:`symbolic.notation` from the SymPy expression that was proved
(the ELBO steps of :mod:`symbolic.elbo`, the worked derivations of :mod:`symbolic.worked`, the
catalog's expressions); the prose around them is words.  Each fragment carries its verification
status: the exact proof's verdict, and the numeric check's error with dtype and device, taken
from running the catalog entry at export time.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

import sympy as sp
import torch

from numeric import NoiseSchedule, prior_kl
from symbolic import elbo
from symbolic import kl
from symbolic import notation
from symbolic import symbols
from symbolic import worked as symbolic_worked
from symbolic.proof import Proof, prove_equal

from ..engine.registry import BY_NAME as REGISTERED, REGISTRY
from ..engine.run import QuantityResult, run_quantity
from ..engine.types import Context
from .common import (Parser, UsageError, add_device_option, add_dtype_option, add_out_option, add_schedule_options,
                     check_output_directory, resolve_device, schedule_from_args, write_files)

ROW_WIDTH = 56      # estimated characters per align row (see notation._width); the page holds about 62

#: Worked derivation -> the registry entry whose numeric check covers the same formulas.
WORKED_QUANTITY = {worked: q.name for q in REGISTRY for worked in q.worked}


def part_lhs(part) -> sp.Expr | None:
    """The display name the lecture gives a part (its ``display`` symbols, summed), or None."""
    if not part.display:
        return None
    return sp.Add(*(notation.BY_NAME[n].display if n in notation.BY_NAME else getattr(symbols, n) for n in part.display))


def text(plain: str) -> str:
    """Plain text (identifiers such as q(x_t|x_0) included) escaped for LaTeX text mode."""
    out = []
    for ch in plain:
        out.append({"\\": r"\textbackslash{}", "_": r"\_", "^": r"\^{}", "&": r"\&", "%": r"\%",
                    "#": r"\#", "{": r"\{", "}": r"\}", "~": r"\~{}", "$": r"\$", "|": r"\textbar{}",
                    "<": r"\textless{}", ">": r"\textgreater{}"}.get(ch, ch))
    return "".join(out)


_MATH_WORDS = (
    (r"alpha_bar_\{t-1\}", r"\bar\alpha_{t-1}"), (r"alpha_bar_(\w)", r"\bar\alpha_@1"),
    (r"beta_tilde_t", r"\tilde\beta_t"), (r"mu_tilde_t", r"\tilde\mu_t"), (r"eps_theta", r"\epsilon_\theta"),
    (r"p_theta", r"p_\theta"), (r"(?<![\\a-zA-Z])alpha_", r"\alpha_"), (r"(?<![\\a-zA-Z])beta_", r"\beta_"),
    (r"(?<![\\a-zA-Z])sigma_", r"\sigma_"), (r"(?<![\\a-zA-Z])eps(?![a-zA-Z])", r"\epsilon"),
    (r"(?<![\\a-zA-Z])prod_", r"\prod_"), (r"(?<![\\a-zA-Z])sum_", r"\sum_"),
    (r"(?<![\\a-zA-Z])log~", r"\log "), (r"(?<![\\a-zA-Z])log(?![a-zA-Z])", r"\log"), (r">=", r"\geq "), (r"<=", r"\leq "), (r"\|\|", r"\,\|\,"),
    (r"\bKL\(", r"D_{\mathrm{KL}}("), (r"\bE_", r"\mathbb{E}_"), (r"->", r"\to "),
)


def _is_math(word: str) -> bool:
    core = word.strip(",;:.")
    return bool(re.search(r"[_^|]|>=|<=|->|^log~", core)) or core in ("t", "T")


def _sqrt_braces(span: str) -> str:
    """sqrt(x) -> \\sqrt{x}, with balanced parentheses."""
    while "sqrt(" in span:
        i = span.index("sqrt(")
        depth, j = 1, i + 5
        while j < len(span) and depth:
            depth += {"(": 1, ")": -1}.get(span[j], 0)
            j += 1
        span = span[:i] + r"\sqrt{" + span[i + 5:j - 1] + "}" + span[j:]
    return span


def math_text(plain: str) -> str:
    """Prose with inline formulas (``q(x_t|x_0)``, ``t >= 2``, ``sum_{t=2}^T``) set as math.

    Words are split at spaces outside parentheses; a run of formula-like words, with the
    operators and numbers between them, becomes one ``$...$``; everything else is escaped text.
    """
    words, buf, depth = [], "", 0
    plain = re.sub(r"\blog (?=[a-zA-Z]+[_(])", "log~", plain)
    for token in re.findall(r"\S+|\s+", plain):
        buf += token
        depth += token.count("(") + token.count("[") - token.count(")") - token.count("]")
        if depth <= 0 and not token.isspace():
            words.append(buf)
            buf, depth = "", 0
    if buf:
        words.append(buf)
    out, run = [], []

    def flush():
        if not run:
            return
        span = " ".join(w.strip() for w in run)
        tail = ""
        while span and span[-1] in ",;:." and span.count("(") == span.count(")"):
            span, tail = span[:-1], span[-1] + tail
        for closing in (") ", "] ", "} "):
            span = span.replace(closing, closing + "\\allowbreak ")
        span = _sqrt_braces(span)
        for pattern, replacement in _MATH_WORDS:
            span = re.sub(pattern, lambda m, r=replacement: r.replace("@1", m.group(m.re.groups) if m.re.groups else ""), span)
        out.append(f"${span}${tail}")
        run.clear()

    for word in words:
        core = word.strip()
        aside = re.fullmatch(r"\((.*\s.*)\)([,;:.]?)", core)
        if aside and len(re.findall(r"\b[a-zA-Z]{3,}\b", aside.group(1))) >= 2:   # a parenthetical remark
            flush()
            out.append("(" + math_text(aside.group(1)) + ")" + aside.group(2))
            continue
        operator = core in ("=", "+", "-", "/", "*") or re.fullmatch(r"[\d.]+[,;:.]?", core)
        if _is_math(core) or (run and operator):
            run.append(core)
            if core[-1] in ",;" and core.count("(") == core.count(")"):
                flush()                     # a comma or semicolon ends the formula
        else:
            flush()
            out.append(text(core))
    flush()
    return " ".join(out)


def _label(name: str, i: int | str) -> str:
    return f"eq:{name}:{i}"


# ---------------------------------------------------------------------------------------------
# Formulas.

@dataclass(frozen=True)
class Formula:
    """One exported formula: where it appears, the proved expression, the LaTeX rows printed."""

    where: str
    expr: sp.Expr
    rows: tuple[str, ...]
    display: bool          # True: expr is in the proof's symbols; False: already in display symbols


def _chain(lhs: str, lines, *, display: bool, name: str, notes=(), label_all: bool = True,
           formulas: list[Formula]) -> str:
    """An align environment: ``lhs = lines[0] = lines[1] ...``, notes between lines."""
    out = [r"\begin{align}"]
    for i, line in enumerate(lines):
        rows = notation.latex_rows(line, ROW_WIDTH, display=display)
        formulas.append(Formula(f"{name}, line {i + 1}", line, tuple(rows), display))
        if i > 0 and i - 1 < len(notes) and notes[i - 1]:
            out.append(rf"\intertext{{\small\quad {notes[i - 1]}}}")
        first = (lhs if i == 0 else "") + " &= " + rows[0]
        body = [first] + [r"&\qquad " + r for r in rows[1:]]
        tagged = [row + r" \nonumber \\" for row in body[:-1]]
        last = body[-1] + (rf" \label{{{_label(name, i + 1)}}}" if label_all or i == len(lines) - 1 else r" \nonumber")
        out.extend(tagged + [last + (r" \\" if i < len(lines) - 1 else "")])
    out.append(r"\end{align}")
    return "\n".join(out)


def _status_line(proof: Proof, result: QuantityResult | None, ctx: Context, how: str) -> str:
    symbolic = f"symbolic: {proof.status.value}" + (f" ({how})" if proof.ok else "")
    if not proof.ok:
        failed = proof.failures()[0]
        symbolic += f" --- {math_text(failed.claim)}" + (f": {text(failed.residual)}" if failed.residual else "")
    numeric = ""
    if result is not None:
        device = f"{str(ctx.dtype).replace('torch.', '')}, {ctx.device}"
        if result.numeric:
            worst = max(result.numeric, key=lambda r: r.max_scaled_err / r.tolerance)
            numeric = (f"numeric: max error {worst.max_scaled_err:.1e} (tolerance {worst.tolerance:.0e}) at "
                       f"{sum(r.points for r in result.numeric)} random points, {device}")
        for check in result.checks:
            numeric += ("; " if numeric else "numeric: ") + math_text(check.summary) + f" ({device})"
        numeric = numeric or "numeric: n.a."
        numeric += "" if result.ok else r" \textbf{--- FAILED}"
    verdict = r"\textbf{verified}" if proof.ok and (result is None or result.ok) else r"\textbf{NOT verified}"
    return rf"\noindent{{\small {verdict}. {symbolic}. {numeric}}}\par"


def step_fragment(step: elbo.Step, proof: Proof, result: QuantityResult | None, ctx: Context,
                  formulas: list[Formula]) -> str:
    notes = [math_text(n) for n in step.notes]
    return "\n".join([
        f"% crosscheck: derivation step {step.name} (generated; every formula printed from the proved expression)",
        rf"\paragraph{{{math_text(step.title)}.}}",
        _chain(r"\mathcal{L}", step.lines, display=True, name=step.name, notes=notes, formulas=formulas),
        rf"\noindent{{\small\textit{{Rule:}} {math_text(step.rule)}. \textit{{Conditions:}} "
        rf"{math_text('; '.join(step.conditions))}.}}\par",
        _status_line(proof, result, ctx, f"{len(step.lines) - 1} transition"
                     f"{'s' if len(step.lines) > 2 else ''}, each reduced exactly for symbolic $T$ and "
                     r"expanded for $T = 1, \dots, 10$; the first line is the previous step's last"),
        "",
    ])


def worked_fragment(w: elbo.Step, proof: Proof, result: QuantityResult | None, ctx: Context,
                    formulas: list[Formula]) -> str:
    shown = w.lhs if w.named else w.label
    lhs = notation.latex(shown, display=False) if shown is not None else ""
    notes = list(w.notes)                   # notes[i] sits between lines i and i+1 ...
    if w.label is not None and not w.named:
        formulas.append(Formula(f"{w.name}, label", w.label, (lhs,), False))
    if w.named:                             # ... after the first, which justifies lhs = line 1
        formulas.append(Formula(f"{w.name}, left side", w.lhs, (lhs,), False))
        lead, notes = notes[0], notes[1:]
    parts = [
        f"% crosscheck: worked derivation {w.name} (generated; every line proved equal to the next)",
        rf"\paragraph{{{w.title}.}}",
    ]
    if w.conditions:
        parts.append(rf"\noindent{{\small\textit{{Given:}} {'; '.join(w.conditions)}.}}")
    if w.named:
        parts.append(rf"\noindent{{\small\textit{{First,}} {lead}:}}")
    parts += [_chain(lhs, w.derived, display=False, name=w.name, notes=notes, label_all=False,
                     formulas=formulas),
              _status_line(proof, result, ctx,
                           f"each of the {len(w.equations())} equalities by exact reduction; the first and "
                           "last lines equal the catalog's expressions"), ""]
    return "\n".join(parts)


def identity_fragment(name: str, proof: Proof | None, result: QuantityResult | None, ctx: Context,
                      formulas: list[Formula]) -> str:
    identity = REGISTERED[name]
    out = [f"% crosscheck: catalog identity {name} (generated)",
           rf"\paragraph{{{text(name)}.}} {math_text(identity.statement)} \emph{{({math_text(identity.reference)})}}"]
    if identity.parts:
        out.append(r"\begin{align}")
        rows_out = []
        for part in identity.parts:
            expr = part.expression()
            shown = part_lhs(part)
            rows = notation.latex_rows(expr, ROW_WIDTH)
            formulas.append(Formula(f"{name}: {part.name}", expr, tuple(rows), True))
            lhs = (notation.latex(shown, display=False) if shown is not None
                   else rf"\text{{{text(part.name.replace('_', ' '))}}}")
            sign = "&=" if shown is not None else r"&:\ "
            body = [f"{lhs} {sign} {rows[0]}"] + [r"&\qquad " + r for r in rows[1:]]
            rows_out.append(" \\nonumber \\\\\n".join(body) + rf" \label{{{_label(name, part.name)}}}")
        out.append(" \\\\\n".join(rows_out))
        out.append(r"\end{align}")
    if proof is not None:
        claims = len(proof.steps) or 1
        out.append(_status_line(proof, result, ctx, f"{claims} claim{'s' if claims > 1 else ''}, exact reduction"))
    out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Problem 2 Part B: the value of the prior-matching term for the chosen schedule.

def prior_values(schedule: NoiseSchedule) -> dict:
    """alpha_bar_T and the prior KL per coordinate, by the numeric layer and by the proved
    expression evaluated at 50 digits (they must agree)."""
    s64 = schedule.to(dtype=torch.float64, device="cpu")
    alpha_bar_T = float(s64.alpha_bar[s64.T])
    at = {}
    for label, x0 in (("x_0 = 0", 0.0), ("x_0^2 = 1", 1.0)):
        numeric = float(prior_kl(torch.tensor([x0], dtype=torch.float64), s64)[0])
        exact = sp.N(kl.prior_kl().subs({symbols.alpha_bar_T: sp.Float(alpha_bar_T, 30), symbols.x_0: x0}), 30)
        at[label] = {"numeric": numeric, "symbolic": float(exact),
                     "rel_err": abs(numeric - float(exact)) / max(abs(float(exact)), 1e-300)}
    unit = at["x_0^2 = 1"]["numeric"]
    return {"alpha_bar_T": alpha_bar_T, "at": at, "bits_per_dim": unit / math.log(2),
            "negligible": unit < 1e-3}


def _prior_section(schedule: NoiseSchedule) -> str:
    v = prior_values(schedule)
    value = v["at"]["x_0^2 = 1"]["numeric"]
    zero = v["at"]["x_0 = 0"]["numeric"]
    worst = max(a["rel_err"] for a in v["at"].values())
    verdict = (r"For this schedule it is indeed negligible."
               if v["negligible"] else
               r"For this schedule it is \emph{not} approximately zero: the lecture's claim needs "
               r"$\bar\alpha_T \approx 0$, which this schedule does not reach (a longer chain or larger "
               r"$\beta_t$ does).")
    return "\n".join([
        rf"\paragraph{{The value for this schedule ({text(schedule.name)}, $T = {schedule.T}$).}}",
        rf"$\bar\alpha_T = {_num(v['alpha_bar_T'])}$. Per coordinate the prior-matching term is "
        rf"${_num(zero)}$ nats at $x_0 = 0$ and ${_num(value)}$ nats "
        rf"(${_num(v['bits_per_dim'])}$ bits) for data with $x_0^2 = 1$ (unit-variance data, on average). "
        rf"{verdict} (Computed by \texttt{{numeric.prior\_kl}} in float64 and by the proved expression at "
        rf"30 digits; they agree to {worst:.1e}.)",
        "",
    ])


def _num(x: float) -> str:
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e4:
        return f"{x:.4g}"
    mantissa, exponent = f"{x:.3e}".split("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


# ---------------------------------------------------------------------------------------------
# The document.

HOMEWORK = (
    ("Homework Problem 1: the ELBO derivation, step by step", (
        ("Part A: separating the $t = 1$ term", (
            ("prose", "We start from the definition of the evidence lower bound and substitute the "
                      "factorisations of both Markov chains."),
            ("step", "elbo_factorization"), ("step", "elbo_separation"))),
        ("Part B: strategic reindexing", (
            ("prose", "The lecture's route splits off the $t = T$ forward term and shifts the index. "
                      "That pairs each reverse term with a forward term one step behind (the mismatch of "
                      "Part C); Bayes' rule needs the forward step beside the reverse step, so the last "
                      "line undoes the shift and splits off the $t = 1$ forward term instead."),
            ("step", "elbo_reindexing"))),
        ("Part C: the Bayes'-rule transformation", (
            ("prose", r"For $t \geq 2$ the forward step is rewritten with Bayes' rule, which brings in "
                      r"the tractable reverse distribution; the marginals then telescope."),
            ("step", "elbo_bayes"), ("step", "elbo_telescoping"))),
        ("Part D: the KL-divergence form", (
            ("prose", "Differences of log-densities under the right expectations are KL divergences; "
                      "the three terms are the reconstruction, prior-matching and denoising terms."),
            ("step", "elbo_kl_form"), ("figure", "three_forces"))),
    )),
    ("Homework Problem 2 Part B: the prior-matching term", (
        ("", (("worked", "prior_kl_derivation"),
              ("prose", r"As $\bar\alpha_T \to 0^+$ every term vanishes (the limit is proved exactly), "
                        r"and the term has no parameters. Whether it is \emph{approximately} zero "
                        r"depends on $\bar\alpha_T$:"),
              ("prior", ""), ("figure", "signal_to_noise"))),
    )),
    ("Homework Problem 3: noise prediction", (
        ("Part A: the $\\epsilon$-form of the posterior mean", (("worked", "eps_mean_derivation"),)),
        ("Part B: from the KL divergence to the noise-prediction loss", (
            ("worked", "kl_eps_derivation"), ("worked", "kl_eps_mse"), ("figure", "kl_weight"))),
    )),
    ("The tractable reverse distribution", (
        ("", (("worked", "posterior_completed_square"), ("worked", "posterior_variance_derivation"),
              ("worked", "posterior_mean_derivation"), ("identity", "interpolation_weights"),
              ("figure", "interpolation_weights"), ("figure", "variances"))),
    )),
    ("Foundations", (
        ("", (("worked", "gaussian_kl_derivation"), ("worked", "elbo_gap_derivation"),
              ("identity", "elbo_gap"))),
    )),
)

FIGURE_CAPTIONS = {
    "three_forces": "The three forces of the bound for this schedule.",
    "signal_to_noise": r"$\bar\alpha_t$ and the signal-to-noise ratio.",
    "kl_weight": r"The weight $\lambda_t$ of $\|\epsilon-\epsilon_\theta\|^2$.",
    "interpolation_weights": r"The interpolation weights $w_0$, $w_t$ and their sum.",
    "variances": r"The posterior variance $\tilde\beta_t$ against $\beta_t$.",
}

#: Every fragment name: the derivation steps, the worked derivations, the catalog identities.
FRAGMENTS = elbo.STEP_NAMES + symbolic_worked.WORKED_NAMES + tuple(n for n in REGISTERED if n not in elbo.STEP_NAMES)


@dataclass
class Export:
    fragments: dict[str, str]
    document: str
    formulas: list[Formula]
    ok: bool


def _context(schedule: NoiseSchedule) -> Context:
    return Context(schedule, schedule.dtype, schedule.device)


def build(schedule: NoiseSchedule, *, only: tuple[str, ...] | None = None,
          figures: tuple[str, ...] = ()) -> Export:
    """Prove and check everything the write-up shows (numeric checks in the schedule's dtype and
    on its device), and print it."""
    ctx = _context(schedule)
    wanted = set(FRAGMENTS if only is None else only)
    results: dict[str, QuantityResult] = {}

    def result(name: str) -> QuantityResult:
        if name not in results:
            results[name] = run_quantity(REGISTERED[name], ctx)
        return results[name]

    formulas: list[Formula] = []
    fragments: dict[str, str] = {}
    worked_proofs = {}
    for name in FRAGMENTS:
        if name not in wanted and only is not None:
            continue
        if name in elbo.STEP_NAMES:
            r = result(name)
            fragments[name] = step_fragment(elbo.step(name), r.proof, r, ctx, formulas)
        elif name in symbolic_worked.WORKED_NAMES:
            w = symbolic_worked.worked_derivation(name)
            worked_proofs[name] = symbolic_worked.prove_worked(w)
            fragments[name] = worked_fragment(w, worked_proofs[name], result(WORKED_QUANTITY[name]), ctx, formulas)
        else:
            r = result(name)
            fragments[name] = identity_fragment(name, r.proof, r, ctx, formulas)
    document = _document(schedule, fragments, figures) if only is None else ""
    ok = all(r.ok for r in results.values()) and all(p.ok for p in worked_proofs.values())
    return Export(fragments, document, formulas, ok)


def _symbol_table() -> str:
    rows = [rf"${n.latex}$ & \texttt{{{text(n.name)}}} & {text(n.meaning)} \\"
            for n in notation.TABLE if n.name not in ("a", "b", "s", "m", "v", "z", "x", "d")]
    return "\n".join([r"\begin{center}\small", r"\begin{tabular}{lll}", r"symbol & name & meaning \\ \hline",
                      *rows, r"\end{tabular}", r"\end{center}"])


def _document(schedule: NoiseSchedule, fragments: dict[str, str], figures: tuple[str, ...]) -> str:
    body = []
    for section, parts in HOMEWORK:
        body.append(rf"\section*{{{section}}}")
        for title, items in parts:
            if title:
                body.append(rf"\subsection*{{{title}}}")
            for kind, name in items:
                if kind == "prose":
                    body.append(name + "\n")
                elif kind in ("step", "worked", "identity"):
                    body.append(fragments[name])
                elif kind == "prior":
                    body.append(_prior_section(schedule))
                elif kind == "figure" and name in figures:
                    body.append("\n".join([
                        r"\begin{figure}[htbp]\centering",
                        rf"\includegraphics[width=0.8\textwidth]{{figures/{name}.pdf}}",
                        rf"\caption{{{FIGURE_CAPTIONS[name]} {text(schedule.name)}, $T = {schedule.T}$.}}",
                        rf"\label{{fig:{name}}}", r"\end{figure}", ""]))
    graphics = r"\usepackage{graphicx}" if figures else ""
    return "\n".join([
        r"\documentclass[11pt]{article}",
        r"\usepackage{amsmath,amssymb}",
        graphics,
        r"\setlength{\textwidth}{16.4cm}\setlength{\oddsidemargin}{-0.2cm}\setlength{\evensidemargin}{-0.2cm}",
        r"\setlength{\textheight}{23.5cm}\setlength{\topmargin}{-1.8cm}",
        r"\allowdisplaybreaks",
        r"\title{The DDPM evidence lower bound, derived and verified}",
        r"\author{generated by \texttt{python -m crosscheck latex}}",
        rf"\date{{schedule: {text(schedule.name)}, $T = {schedule.T}$}}",
        r"\begin{document}",
        r"\maketitle",
        r"Every equation below is printed from a SymPy expression that was proved equal to its "
        r"neighbour by exact symbolic reduction (never by sampling), and each block ends with its "
        r"status: the symbolic verdict and the numeric cross-check of the PyTorch implementation. "
        r"The derivation steps are proved for symbolic $T$ and, independently, for $T = 1,\dots,10$. "
        r"Densities are positive functions of the timestep, so Problem 1 holds for any Markov forward "
        r"process; Problems 2 and 3 use the Gaussian forward process "
        rf"$q(x_t|x_0) = \mathcal N({notation.latex(sp.sqrt(symbols.alpha_t * symbols.alpha_bar_prev) * symbols.x_0)}, "
        rf"{notation.latex(1 - symbols.alpha_t * symbols.alpha_bar_prev)})$. Notation:",
        _symbol_table(),
        *body,
        r"\end{document}",
        "",
    ])


# ---------------------------------------------------------------------------------------------
# Writing, compiling.

class ExportError(Exception):
    """A failure the user can act on (pdflatex missing or failing, a bad directory)."""


def write_export(export: Export, out: str, *, figures_from: str | None = None, pdf: bool = False,
                 draw=None) -> list[str]:
    """Write ``out/steps/<name>.tex`` and ``out/derivation.tex`` (and ``derivation.pdf``):
    everything is built in a staging directory and moved in at the end as one set
    (:func:`~crosscheck.commands.common.write_files`).  ``draw(directory)``, if given, draws the
    figures into ``out/figures`` as part of the same set; else the PDF includes the figures
    already in ``figures_from``."""
    def write(staging: str) -> None:
        if draw is not None:
            os.makedirs(os.path.join(staging, "figures"))
            draw(os.path.join(staging, "figures"))
        os.makedirs(os.path.join(staging, "steps"))
        for name, fragment in export.fragments.items():
            with open(os.path.join(staging, "steps", f"{name}.tex"), "w", encoding="utf-8") as f:
                f.write(fragment)
        if export.document:
            with open(os.path.join(staging, "derivation.tex"), "w", encoding="utf-8") as f:
                f.write(export.document)
            if pdf:
                compile_pdf(staging, None if draw is not None else figures_from)
    return write_files(out, write)


PDFLATEX_HINT = ("pdflatex is not installed; install it with `apt-get install texlive-latex-base` "
                 "(Debian/Ubuntu), `brew install --cask basictex` (macOS) or MiKTeX (Windows), or "
                 "drop --pdf and compile derivation.tex yourself")


def compile_pdf(directory: str, figures_from: str | None = None) -> str:
    """pdflatex twice (for references) in ``directory``; returns the log.  Raises ExportError
    with the first LaTeX error, and keeps only derivation.pdf of its outputs."""
    exe = shutil.which("pdflatex")
    if exe is None:
        raise ExportError(PDFLATEX_HINT)
    if figures_from:
        os.symlink(os.path.abspath(figures_from), os.path.join(directory, "figures"))
    log = ""
    try:
        for _ in range(2):
            try:
                run = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", "derivation.tex"],
                                     cwd=directory, capture_output=True, text=True, timeout=120)
            except subprocess.TimeoutExpired:
                raise ExportError("pdflatex did not finish within 120 s") from None
            log = _read(os.path.join(directory, "derivation.log")) or run.stdout
            if run.returncode != 0:
                first = next((line for line in log.splitlines() if line.startswith("!")), "unknown error")
                raise ExportError(f"pdflatex failed on derivation.tex: {first.lstrip('! ')}")
    finally:
        for ext in ("aux", "log", "out"):
            path = os.path.join(directory, f"derivation.{ext}")
            if os.path.exists(path):
                os.unlink(path)
        if figures_from:
            os.unlink(os.path.join(directory, "figures"))
    return log


def _read(path: str) -> str:
    try:
        with open(path, encoding="latin-1") as f:
            return f.read()
    except OSError:
        return ""


def latex_problems(log: str) -> list[str]:
    """Errors, overfull boxes wider than 1pt and undefined references in a pdflatex log."""
    problems = [line for line in log.splitlines() if line.startswith("!")]
    for match in re.finditer(r"Overfull \\hbox \(([\d.]+)pt too wide\)[^\n]*", log):
        if float(match.group(1)) > 1.0:
            problems.append(match.group(0))
    problems += [line for line in log.splitlines()
                 if "undefined" in line.lower() and ("reference" in line.lower() or "citation" in line.lower())]
    return problems


def round_trip(formula: Formula) -> Proof:
    """The formula's LaTeX, parsed back, equals the proved expression (exact reduction)."""
    parsed = notation.parse(" ".join(formula.rows))
    expected = formula.expr if formula.display is False else notation.comparable(formula.expr)
    return prove_equal(symbolic_worked.evaluate(parsed), symbolic_worked.evaluate(expected), f"round trip: {formula.where}")


# -- the command ----------------------------------------------------------------------------------

def parser() -> Parser:
    """The ``latex`` command's options."""
    p = Parser(prog="python -m crosscheck latex",
               description="The verified derivation as LaTeX: DIR/steps/<name>.tex per step and identity, "
                           "and DIR/derivation.tex, the homework write-up.")
    add_out_option(p, "the LaTeX")
    p.add_argument("--pdf", action="store_true", help="compile derivation.pdf with pdflatex")
    p.add_argument("--plots", action="store_true", help="also write the figures to DIR/figures and include them")
    p.add_argument("--step", nargs="+", metavar="NAME", help="write only these fragments (no document)")
    add_dtype_option(p, "the numeric checks reported in the status lines")
    add_device_option(p)
    add_schedule_options(p)
    return p


def _written_names(args, figure_files: tuple[str, ...]) -> tuple[str, ...]:
    """The files this run writes, relative to ``--out``."""
    names = [f"steps/{name}.tex" for name in (args.step or FRAGMENTS)]
    if not args.step:
        names += ["derivation.tex"] + (["derivation.pdf"] if args.pdf else [])
    if args.plots:
        names += [f"figures/{name}" for name in figure_files]
    return tuple(names)


def main(argv: list[str]) -> int:
    """``python -m crosscheck latex``."""
    args = parser().parse_args(argv)
    if args.step:
        unknown = [n for n in args.step if n not in FRAGMENTS]
        if unknown:
            raise UsageError(f"--step: unknown name {unknown[0]!r}; known: {', '.join(FRAGMENTS)}")
        if args.pdf or args.plots:
            raise UsageError("--step writes fragments only; drop --pdf/--plots, or drop --step for the document")
    from .plots import FIGURE_FILES, FIGURES, draw_figures
    check_output_directory("--out", args.out, _written_names(args, FIGURE_FILES))
    if args.pdf:
        import shutil
        if shutil.which("pdflatex") is None:
            raise UsageError(f"--pdf: {PDFLATEX_HINT}")
    device = resolve_device(args.device)
    schedule = schedule_from_args(args).to(dtype=getattr(torch, args.dtype), device=device)
    figures_dir = os.path.join(args.out, "figures")
    try:
        figures = tuple(n for n in FIGURES if args.plots or os.path.exists(os.path.join(figures_dir, f"{n}.pdf")))
        export = build(schedule, only=tuple(args.step) if args.step else None, figures=figures)
        draw = (lambda directory: draw_figures(schedule, directory)) if args.plots else None
        written = write_export(export, args.out, figures_from=figures_dir if figures else None, pdf=args.pdf,
                               draw=draw)
    except ExportError as err:
        raise UsageError(str(err)) from None
    except ValueError as err:
        if not args.plots:
            raise
        from .plots import unplottable
        raise unplottable(schedule, err) from None
    except OSError as err:
        raise UsageError(f"--out {args.out!r}: {err.strerror or err}") from None
    print(f"crosscheck latex: {schedule.name} T={schedule.T}: wrote {len(written)} files to {args.out}"
          + (f" ({len(figures)} figures included)" if figures and not args.step else ""))
    if not export.ok:
        print("crosscheck latex: some statements did NOT verify; the document marks them", file=sys.stderr)
    return 0 if export.ok else 1
