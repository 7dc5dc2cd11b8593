"""crosscheck: pairs the symbolic proofs with the torch implementations (imports both).

``python -m crosscheck`` verifies the registry (:mod:`crosscheck.engine.registry`);
:func:`crosscheck.engine.run.run_quantity` checks one entry.

pytest assertions (imported lazily, so ``import crosscheck`` costs nothing):

* :func:`assert_equivalent` ``(formula, target)``: a formula (plain, LaTeX or SymPy) is the
  catalog quantity, proved by exact reduction;
* :func:`assert_matches` ``(function, target, device=..., dtype=...)``: a torch function
  computes it, at random valid points against the 50-digit value;
* :func:`check_formula` ``(target, formula)``: the :class:`~crosscheck.commands.check.Verdict` itself;
* :func:`check_derivation` ``(rows)``: a derivation decided row by row (``.ok``, ``.first_wrong``,
  ``.steps``), and :func:`check_document` ``(text)`` every derivation of a file's text.
"""

__all__ = ["assert_equivalent", "assert_matches", "check_formula", "check_derivation", "check_document"]


def __getattr__(name: str):
    if name in ("assert_equivalent", "assert_matches"):
        from .commands import assertions
        return getattr(assertions, name)
    if name == "check_formula":
        from .commands.check import check
        return check
    if name in ("check_derivation", "check_document"):
        from .commands import derive
        return getattr(derive, name)
    raise AttributeError(f"module 'crosscheck' has no attribute {name!r}")
