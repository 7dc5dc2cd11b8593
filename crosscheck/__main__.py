"""``python -m crosscheck``: the command line, with its contract on signals.

SIGINT, SIGTERM and SIGHUP are turned into an exception before anything else is imported, so a
signal at any moment (even during ``import torch``) unwinds the run: staging directories and
forked children are cleaned up, the previous output is left whole, one line goes to standard
error and the exit status is 128 + the signal (130, 143, 129).  A signal that some library
swallowed still ends the run with that status.  Once the outcome is final, later signals are
only recorded and the process ends at once (``os._exit``, after flushing), so no signal can cut
the last line or reach the interpreter's own shutdown.
"""

import contextlib
import os
import sys

from ._signals import RECEIVED, install_signal_handlers, report_interrupt, settle

install_signal_handlers()
if sys.stderr is None:             # started with standard error closed (2>&-)
    sys.stderr = open(os.devnull, "w")
try:
    from .commands.cli import main

    code = main()
except KeyboardInterrupt:          # outside main(): while importing it
    code = report_interrupt(RECEIVED[0] if RECEIVED else 2)
settle()
if RECEIVED and code != 128 + RECEIVED[0]:
    code = report_interrupt(RECEIVED[0])     # swallowed by a library below us: still the signal's status
for stream in (sys.stdout, sys.stderr):
    with contextlib.suppress(Exception):
        stream.flush()
os._exit(code)
