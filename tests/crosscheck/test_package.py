"""The crosscheck package as a whole: two parts and a tool, dependencies one way.

The engine never imports the commands; nothing the package runs imports the development tools
(mutation testing); no import cycle; ``check`` pays for neither torch nor the tools."""

import pathlib
import subprocess
import sys

import crosscheck

from tests.import_graph import find_cycle, graph

ROOT = pathlib.Path(crosscheck.__file__).parent


def test_the_package_is_engine_commands_and_tools():
    parts = {name.split(".")[0] for name in graph(ROOT) if name}
    # _signals: the process's signal handling, shared by the commands and the engine's forked child
    assert parts == {"__main__", "_signals", "engine", "commands", "devtools"}


def test_the_engine_never_imports_the_commands_and_nothing_imports_the_tools():
    edges = graph(ROOT)
    for module, imported in edges.items():
        if module.startswith("engine"):
            assert not {m for m in imported if m.startswith("commands")}, module
        if not module.startswith("devtools"):
            assert not {m for m in imported if m.startswith("devtools")}, module


def test_the_package_has_no_import_cycle():
    edges = graph(ROOT)
    assert find_cycle(edges) is None, " -> ".join(find_cycle(edges))


def test_the_graph_sees_a_forbidden_import_and_a_cycle():
    edges = graph(ROOT)
    assert "engine.registry" in edges["commands.check"]          # the reader of the graph works
    wrong = {**edges, "engine.run": edges["engine.run"] | {"commands.cli"}}
    assert find_cycle(wrong) is not None                          # cli -> ... -> run -> cli


def test_running_commands_imports_no_tool_and_check_no_torch():
    code = ("import sys; from crosscheck.commands import cli; "
            "cli.main(['check', 'posterior_variance', '(1 - alpha_bar_prev)/(1 - alpha_bar_t)*beta_t']); "
            "assert 'torch' not in sys.modules and 'matplotlib' not in sys.modules, 'check imported torch'; "
            "cli.main(['list']); cli.main(['--only', 'score', '--points', '10']); "
            "assert not [m for m in sys.modules if m.startswith('crosscheck.devtools')], 'a tool was imported'")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
