"""The engine: pairs each registered quantity's proof with its tensor implementation.

``registry`` declares every quantity once; ``points`` draws valid inputs, ``evaluate`` compares a
proved expression with a numeric function, ``tolerances`` holds every tolerance, ``oracles`` and
``elbo_checks`` are the independent checks, ``run`` runs one entry, ``limits`` bounds a symbolic
decision in time and memory.  Nothing here imports the commands.
"""
