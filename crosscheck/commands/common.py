"""Plumbing shared by the commands: the one-line usage error, the parser and its shared options,
the schedule and device named on the command line, output checks, and atomic writing.

Nothing here imports torch at module level: ``check`` and ``--help`` never pay its import time.
"""

from __future__ import annotations

import argparse
import json
import math
import contextlib
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
from typing import Callable


class UsageError(Exception):
    """Bad usage or input: reported as one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are a :class:`UsageError` (one line, no usage dump)."""

    def error(self, message: str):
        raise UsageError(message)

    def _print_message(self, message, file=None):
        """As argparse's, without swallowing a failed write: ``--help > /dev/full`` is an error."""
        if message:
            (file or sys.stderr).write(message)
            (file or sys.stderr).flush()


def int_in(minimum: int = 1, maximum: int = 100_000) -> Callable[[str], int]:
    """An argparse ``type``: an integer written in decimal, in ``[minimum, maximum]``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be in [{minimum}, {maximum}], got {value}")
        return value
    return parse


# -- shared options ----------------------------------------------------------------------------

def add_schedule_options(parser: argparse.ArgumentParser, *, steps: tuple[int, int] = (1, 100_000),
                         default_T: int = 1000, betas: bool = True) -> None:
    """``--schedule linear|cosine``, ``--T N`` in ``steps`` and, with ``betas``, ``--beta-start B``
    and ``--beta-end B`` of the linear schedule (without: both are None, the defaults)."""
    parser.add_argument("--schedule", default="linear", choices=["linear", "cosine"], metavar="linear|cosine",
                        help="noise schedule (default linear, beta 1e-4 .. 0.02 as in DDPM and the lab)")
    parser.add_argument("--T", type=int_in(*steps), default=default_T, metavar="N",
                        help=f"diffusion steps in [{steps[0]}, {steps[1]}] (default {default_T}"
                             + ("; the lab uses 50)" if default_T != 50 else ", as the lab)"))
    if betas:
        parser.add_argument("--beta-start", type=float, default=None, metavar="B",
                            help="linear schedule: beta_1 (default 1e-4)")
        parser.add_argument("--beta-end", type=float, default=None, metavar="B",
                            help="linear schedule: beta_T (default 0.02)")
    else:
        parser.set_defaults(beta_start=None, beta_end=None)


def add_device_option(parser: argparse.ArgumentParser) -> None:
    """``--device auto|cpu|cuda`` (see :func:`resolve_device`)."""
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], metavar="auto|cpu|cuda",
                        help="where the tensors live (default auto: cuda when a CUDA device is available)")


def add_dtype_option(parser: argparse.ArgumentParser, what: str = "the numeric checks") -> None:
    """``--dtype float64|float32``, the working dtype of ``what``."""
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"], metavar="float64|float32",
                        help=f"dtype of {what} (default float64)")


def add_seed_option(parser: argparse.ArgumentParser) -> None:
    """``--seed N``, a 31-bit seed."""
    parser.add_argument("--seed", type=int_in(0, 2**31 - 1), default=0, metavar="N",
                        help="random seed (default 0)")


def add_out_option(parser: argparse.ArgumentParser, what: str, default: str | None = None) -> None:
    """``--out DIR``, the directory for ``what`` (required without a ``default``); the command
    checks it with :func:`check_output_directory` before doing any work."""
    parser.add_argument("--out", required=default is None, default=default, metavar="DIR",
                        help=f"directory for {what} (created if missing"
                             + (f"; default ./{default})" if default else ")"))


#: The smallest beta the command line accepts: below it 1 - beta is 1 in float64 (2**-53).
MIN_BETA = 2.0 ** -53


def schedule_from_args(args: argparse.Namespace):
    """The schedule named by :func:`add_schedule_options`' options, in float64 on the CPU; bad
    values become a one-line usage error naming the flag."""
    from numeric import NoiseSchedule
    if args.schedule == "cosine":
        if args.beta_start is not None or args.beta_end is not None:
            raise UsageError("--beta-start/--beta-end apply to the linear schedule only; drop them or "
                             "use --schedule linear")
        return NoiseSchedule.cosine(args.T)
    given = {name: value for name, value in (("beta_start", args.beta_start), ("beta_end", args.beta_end))
             if value is not None}      # the others keep NoiseSchedule.linear's defaults, 1e-4 .. 0.02
    for name, value in given.items():
        if 0.0 < value < 1.0 and 1.0 - value == 1.0:
            raise UsageError(f"--{name.replace('_', '-')}: {value:g} is too small for float64, where the schedule is "
                             f"built: alpha_t = 1 - beta_t rounds to 1 (beta must be at least {MIN_BETA:.2g}); "
                             "use a larger beta")
    try:
        return NoiseSchedule.linear(args.T, **given)
    except (TypeError, ValueError) as err:
        flag = "--beta-start" if "beta_start" in str(err) else "--beta-end"
        raise UsageError(f"{flag}: {str(err).replace('`beta_start`', 'it').replace('`beta_end`', 'it')}") from None


def resolve_device(choice: str):
    """``--device auto|cpu|cuda`` as a ``torch.device``: ``auto`` is cuda where a CUDA device is
    available and cpu otherwise; ``cuda`` where none is available is a usage error."""
    import torch
    available = torch.cuda.is_available()
    if choice == "cuda" and not available:
        raise UsageError("--device cuda: no CUDA device is available here; use --device cpu or auto")
    return torch.device("cuda" if choice == "cuda" or (choice == "auto" and available) else "cpu")


# -- output paths ------------------------------------------------------------------------------

def _stat(flag: str, path: str, *, follow: bool = True) -> os.stat_result | None:
    """``os.stat`` of ``path`` (``os.lstat`` without ``follow``); None when nothing is there; a
    usage error when the name itself is unusable (a symlink loop, too long, a file used as a
    directory, no permission to look)."""
    try:
        return os.stat(path) if follow else os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise UsageError(f"{flag} {path!r}: {err.strerror or err}; choose another path") from None


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISREG, "a regular file"),
                       (stat.S_ISLNK, "a symbolic link"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a named pipe"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "a special file"


#: What staging adds to an output's path: "/.crosscheck-XXXXXXXX/previous/" and a little more.
_STAGING = 40


def _check_length(flag: str, path: str, longest: str) -> None:
    """The staged copy of ``longest`` below ``path`` must fit the system's path limit too."""
    try:
        limit = os.pathconf(os.path.dirname(os.path.abspath(path)) or "/", "PC_PATH_MAX")
    except (OSError, ValueError):
        limit = 4096
    length = len(os.fsencode(os.path.abspath(os.path.join(path, longest)))) + _STAGING
    if length > limit:
        raise UsageError(f"{flag} {path[:60]!r}...: the path is too long ({length} bytes with the staging "
                         f"directory, the limit is {limit}); choose a shorter path")


def writable(directory: str) -> bool:
    """Can a file be created in ``directory``?  Tried for real (a temporary file, removed at
    once): permission bits do not tell for root, read-only mounts or /proc."""
    if not os.access(directory, os.W_OK | os.X_OK):
        return False
    with deferred():               # a signal cannot leave the probe behind
        try:
            fd, probe = tempfile.mkstemp(dir=directory, prefix=".crosscheck-probe-")
        except OSError:
            return False
        os.close(fd)
        os.unlink(probe)
    return True


def check_output_directory(flag: str, path: str, names: tuple[str, ...] = ()) -> None:
    """``path`` is a directory, or can be created as one, and is writable; each of ``names`` (the
    files the command writes, relative to ``path``) is absent or a regular file, since it is
    replaced by a rename; else a usage error, before any work is done."""
    if not path.strip():
        raise UsageError(f"{flag} needs a directory name such as figures, got {path!r}")
    found = _stat(flag, path)
    if found is not None and not stat.S_ISDIR(found.st_mode):
        what = "a file" if stat.S_ISREG(found.st_mode) else _kind(found.st_mode)
        raise UsageError(f"{flag} {path!r} is {what}; give a directory (it is created if missing)")
    existing = os.path.abspath(path)
    while _stat(flag, existing) is None:
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise UsageError(f"{flag} {path!r}: {existing!r} is a file, not a directory; choose another path")
    if not writable(existing):
        raise UsageError(f"{flag} {path!r}: {existing!r} is not writable; choose another directory")
    _check_length(flag, path, max(names, key=len, default="x"))
    for name in names:
        target = os.path.join(path, name)
        found = _stat(flag, target, follow=False)
        if found is not None and not stat.S_ISREG(found.st_mode):
            raise UsageError(f"{flag} {path!r}: {target!r} is {_kind(found.st_mode)}, which the output "
                             "would replace; move it away or choose another directory")


#: ``--json -``: the report goes to standard output.
STDOUT = "-"


def check_output_file(flag: str, path: str) -> None:
    """``path`` can take the report, else a usage error before any work is done: ``-`` (standard
    output); an existing character device or named pipe we may write to (written in place); or
    a regular file, new or existing, possibly behind symbolic links, whose directory is writable
    (it is replaced atomically, see :func:`write_report`)."""
    if not path.strip():
        raise UsageError(f"{flag} needs a file name such as report.json, got {path!r} (- is standard output)")
    if path == STDOUT:
        return
    found = _stat(flag, path)
    if found is not None and stat.S_ISDIR(found.st_mode):
        raise UsageError(f"{flag} {path!r} is a directory; give a file name such as report.json")
    if found is not None and not stat.S_ISREG(found.st_mode):
        if not (stat.S_ISCHR(found.st_mode) or stat.S_ISFIFO(found.st_mode)):
            raise UsageError(f"{flag} {path!r} is {_kind(found.st_mode)}; give a regular file, a named pipe, "
                             "a character device such as /dev/stdout, or - for standard output")
        if not os.access(path, os.W_OK):
            raise UsageError(f"{flag} {path!r}: {_kind(found.st_mode)} that is not writable")
        return
    directory = os.path.dirname(os.path.realpath(path))
    _check_length(flag, directory, os.path.basename(path))
    if not os.path.isdir(directory):
        raise UsageError(f"{flag} {path!r}: directory {directory!r} does not exist; create it first")
    if not writable(directory):
        raise UsageError(f"{flag} {path!r}: directory {directory!r} is not writable")


# -- signals (crosscheck._signals, re-exported for the commands) -----------------------------------

from .._signals import (RECEIVED, Interrupted, _restore_signal_mask, _signal_mask,  # noqa: E402,F401
                        _terminating_signals_unwind, deferred, hold_signals, install_signal_handlers,
                        interrupt_status, report_interrupt, settle, undeferred)


# -- atomic writing ----------------------------------------------------------------------------

def _missing_directories(directory: str) -> list[str]:
    """The directories that creating ``directory`` would create, deepest first."""
    missing, path = [], os.path.abspath(directory)
    while not os.path.lexists(path):
        missing.append(path)
        path = os.path.dirname(path)
    return missing


def _remove_if_empty(directories: list[str]) -> None:
    for path in directories:
        if os.path.isdir(path) and not os.path.islink(path) and not os.listdir(path):
            os.rmdir(path)


def _files_below(root: str) -> list[str]:
    return sorted(os.path.relpath(os.path.join(folder, name), root)
                  for folder, _, names in os.walk(root) for name in names)


def _take_over(new: str, old: os.stat_result) -> None:
    """The file ``new`` replaces gets its permission bits (and, for root, its owner)."""
    os.chmod(new, stat.S_IMODE(old.st_mode))
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        with contextlib.suppress(OSError):
            os.chown(new, old.st_uid, old.st_gid)


def _move_in(files: str, previous: str, directory: str) -> list[str]:
    """Each file below ``files`` to the same place below ``directory``, by one ``os.replace``;
    a file it replaces is kept (hard link, else copy) in ``previous`` until all are in, and put
    back if any move fails.  Only regular files are ever replaced: anything else in the way is a
    usage error, before the first move.  Directories it creates are removed again on failure."""
    names = _files_below(files)
    for rel in names:
        found = os.lstat(os.path.join(directory, rel)) if os.path.lexists(os.path.join(directory, rel)) else None
        if found is not None and not stat.S_ISREG(found.st_mode):
            raise UsageError(f"{os.path.join(directory, rel)!r} is {_kind(found.st_mode)}, which the output would "
                             "replace; move it away or choose another directory")
    moved: list[tuple[str, str | None]] = []
    created: list[str] = []
    try:
        for index, rel in enumerate(names):
            target = os.path.join(directory, rel)
            missing = _missing_directories(os.path.dirname(target))
            created[:0] = missing
            os.makedirs(os.path.dirname(target), exist_ok=True)
            kept = None
            if os.path.lexists(target):
                kept = os.path.join(previous, str(index))
                _take_over(os.path.join(files, rel), os.lstat(target))
                try:
                    os.link(target, kept, follow_symlinks=False)
                except OSError:        # no hard links here (some network and FAT file systems)
                    shutil.copy2(target, kept, follow_symlinks=False)
            moved.append((target, kept))
            os.replace(os.path.join(files, rel), target)
    except BaseException:
        for target, kept in reversed(moved):
            if kept is not None:
                os.replace(kept, target)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(target)
        _remove_if_empty(created)
        raise
    return [target for target, _ in moved]


def write_files(directory: str, write: Callable[[str], object]) -> list[str]:
    """``write(staging)`` writes files below ``staging``, a fresh directory inside ``directory``
    (``directory`` is created if missing); then each is moved to the same relative path below
    ``directory`` by ``os.replace``.  Returns the paths written, sorted.

    The files are created by ``write`` in a plain directory, so they take the mode a plain
    ``open()`` gives (``0o666 & ~umask``); a file that replaces an existing one takes that one's
    mode.  On any exception, Ctrl-C, SIGTERM or SIGHUP: the staging directory is removed, files
    already moved are put back as they were (or removed), and the directories this call created
    are removed again if empty, so the previous set of files is left whole; the signal then ends
    the process as it would have.  Signals wait while the files are moved in and while cleaning up.
    """
    created = _missing_directories(directory)
    mask_before = _signal_mask()
    staging = None
    # deferred: under the command line's handlers a signal waits while the staging directory is
    # made, the files are moved in and the staging directory is removed; only write() is cut short
    with _terminating_signals_unwind(), deferred():
        try:
            try:
                os.makedirs(directory, exist_ok=True)
                staging = tempfile.mkdtemp(prefix=".crosscheck-", dir=directory)
                os.mkdir(os.path.join(staging, "files"))
                os.mkdir(os.path.join(staging, "previous"))
                with undeferred():
                    write(os.path.join(staging, "files"))
            finally:
                hold_signals()
            return _move_in(os.path.join(staging, "files"), os.path.join(staging, "previous"), directory)
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
            _remove_if_empty(created)
            _restore_signal_mask(mask_before)


def replace_atomically(path: str, write: Callable[[str], object]) -> None:
    """``write(tmp)`` writes the file, at a temporary path beside ``path`` with the same name,
    which then replaces ``path`` in one ``os.replace`` (see :func:`write_files`): a reader sees
    the old file or the new one, never a half-written one."""
    write_files(os.path.dirname(os.path.abspath(path)),
                lambda staging: write(os.path.join(staging, os.path.basename(path))))


def write_atomically(path: str, text: str) -> None:
    """``text`` to ``path`` (UTF-8) by :func:`replace_atomically`."""
    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
    replace_atomically(path, write)


# -- JSON reports --------------------------------------------------------------------------------

def _json_safe(value):
    """``value`` with every non-finite float as the string "inf", "-inf" or "nan" (standard JSON)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def json_text(value, **options) -> str:
    """Standard JSON only: never ``Infinity`` or ``NaN`` (``allow_nan=False``, non-finite numbers as
    strings), whatever a report holds."""
    return json.dumps(_json_safe(value), allow_nan=False, **options)


def _is_stdout(found: os.stat_result) -> bool:
    """Is ``found`` the file standard output writes to (``--json /dev/stdout``)?"""
    try:
        ours = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):        # no real file behind sys.stdout (captured)
        return False
    return (ours.st_dev, ours.st_ino) == (found.st_dev, found.st_ino)


def write_json(path: str, text: str) -> None:
    """Write a JSON report to ``path`` (the ``--json`` option, checked by :func:`check_output_file`):
    ``-`` is standard output; a character device or named pipe is written in place; a regular
    file is replaced atomically (through symbolic links: the link stays, its target is replaced).
    An OSError is a usage error."""
    try:
        if path == STDOUT:
            sys.stdout.write(text)
            sys.stdout.flush()
            return
        found = _stat("--json", path)
        if found is not None and _is_stdout(found):      # /dev/stdout redirected to a file: append, as a shell would
            sys.stdout.write(text)
            sys.stdout.flush()
            return
        if found is not None and not stat.S_ISREG(found.st_mode):
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
            return
        write_atomically(os.path.realpath(path), text)
    except OSError as err:
        if path == STDOUT:
            raise
        raise UsageError(f"--json {path!r}: {err.strerror or err}") from None
