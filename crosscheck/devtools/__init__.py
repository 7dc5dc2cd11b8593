"""Development tools (mutation testing of the verifier): runnable and tested, never imported by
the package at run time."""
