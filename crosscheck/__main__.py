"""``python -m crosscheck``: the command line, with its contract on signals.

SIGINT, SIGTERM and SIGHUP are turned into an exception before anything else is imported, so a
signal at any moment (even during ``import torch``) unwinds the run: staging directories and
forked children are cleaned up, the previous output is left whole, one line goes to standard
error and the exit status is 128 + the signal (130, 143, 129).  A signal that some library
swallowed still ends the run with that status.
"""

import sys

from .commands.common import RECEIVED, hold_signals, install_signal_handlers, report_interrupt

install_signal_handlers()
try:
    from .commands.cli import main

    code = main()
except KeyboardInterrupt:          # outside main(): while importing it
    code = report_interrupt(RECEIVED[0] if RECEIVED else 2)
hold_signals()                     # from here on a signal only waits: the status below stands
if RECEIVED and code != 128 + RECEIVED[0]:
    code = report_interrupt(RECEIVED[0])     # swallowed by a library below us: still the signal's status
sys.exit(code)
