"""The registry (crosscheck/engine/registry.py) is the single source of truth: everything that
lists quantities is derived from it, and a quantity declared elsewhere but not here is caught."""

import importlib
import inspect
import subprocess
import sys
import types

import pytest

from crosscheck.engine import registry
from crosscheck.engine.registry import BY_NAME, PARTS, REGISTRY, Part, Quantity

FORMULA_MODULES = ("gaussian", "kl", "forward", "posterior", "score", "elbo")


def _symbolic_modules():
    return [importlib.import_module(f"symbolic.{m}") for m in FORMULA_MODULES]


@pytest.mark.parametrize("part", list(PARTS.values()), ids=list(PARTS))
def test_each_part_has_twins_of_its_name_in_the_mirrored_modules(part):
    symbolic_twin = part.symbolic_function()
    numeric_twin = part.numeric_function()
    assert symbolic_twin.__name__ == numeric_twin.__name__ == part.function_name
    assert symbolic_twin.__module__ == f"symbolic.{part.module}"
    assert inspect.unwrap(numeric_twin).__module__ == f"numeric.{part.module}"
    assert part.expression().free_symbols, part.name          # an expression of the symbols


def test_every_quantity_proves_in_its_own_module():
    for quantity in REGISTRY:
        if quantity.proved:
            prover = getattr(importlib.import_module(f"symbolic.{quantity.module}"), f"prove_{quantity.name}")
            assert prover.__module__ == f"symbolic.{quantity.module}"


def test_names_are_unique_across_quantities_parts_and_aliases():
    names = [q.name for q in REGISTRY]
    parts = [p.name for q in REGISTRY for p in q.parts]
    aliases = list(registry.ALIASES)
    assert len(set(names)) == len(names) and len(set(parts)) == len(parts)
    assert not set(aliases) & set(parts)


def test_every_public_numeric_function_is_registered():
    import numeric
    assert registry.unregistered_numeric(numeric) == []


def test_a_numeric_function_added_without_an_entry_is_caught(monkeypatch):
    import numeric
    module = types.ModuleType("numeric.snr")

    def snr(t, schedule):
        return schedule.alpha_bar[t] / schedule.one_minus_alpha_bar[t]
    snr.__module__ = module.__name__
    monkeypatch.setattr(numeric, "snr", snr, raising=False)
    assert registry.unregistered_numeric(numeric) == ["snr"]


def test_every_proof_is_registered_and_an_unregistered_one_is_caught(monkeypatch):
    modules = _symbolic_modules()
    assert registry.unregistered_proofs(modules) == []
    kl = importlib.import_module("symbolic.kl")

    def prove_snr():
        return None
    prove_snr.__module__ = "symbolic.kl"
    monkeypatch.setattr(kl, "prove_snr", prove_snr, raising=False)
    assert registry.unregistered_proofs(modules) == ["symbolic.kl.prove_snr"]


def test_check_targets_are_the_registry_parts():
    from crosscheck.commands import check
    assert check.TARGETS == tuple(PARTS.values())
    assert check.target("forward_sample") is PARTS["forward_jump_sample"]     # an alias
    with pytest.raises(ValueError, match="unknown target 'snr'"):
        check.target("snr")


def test_check_list_prints_exactly_the_registry_parts(capsys):
    from crosscheck.commands import cli
    assert cli.main(["check", "--list"]) == 0
    out = capsys.readouterr().out
    listed = out.split("targets:\n", 1)[1].split("symbols")[0].split()
    assert [name for name in listed if name in PARTS] == list(PARTS)


def test_the_export_and_the_mutation_targets_are_derived():
    from crosscheck.commands import latex
    from crosscheck.devtools import mutation
    from symbolic import worked
    assert set(BY_NAME) <= set(latex.FRAGMENTS)
    assert set(latex.WORKED_QUANTITY) == set(worked.WORKED_NAMES)
    assert mutation.SYMBOLIC_FUNCTIONS == registry.derivation_functions()
    for module, names in mutation.SYMBOLIC_FUNCTIONS.items():
        for name in names:
            assert hasattr(importlib.import_module(module), name), f"{module}.{name}"


def test_a_part_with_a_wrongly_named_twin_is_refused_at_resolution():
    wrong = Quantity("wrong", "a part whose name has no twin", "test", "posterior",
                     (Part("posterior_mean_typo", "mu = 0"),))
    with pytest.raises(AttributeError, match="posterior_mean_typo"):
        wrong.parts[0].symbolic_function()
    with pytest.raises(AttributeError, match="posterior_mean_typo"):
        wrong.parts[0].numeric_function()


def test_the_registry_and_check_import_no_torch():
    code = ("import sys, crosscheck.engine.registry, crosscheck.commands.check; "
            "assert 'torch' not in sys.modules, 'importing the registry imported torch'")
    subprocess.run([sys.executable, "-c", code], check=True)
