"""The course labs' classes as thin adapters on ``numeric/`` (no formula of their own).

``numeric.lab.lab4``: Lab 4, ELBO for diffusion models (the notebook's classes).
``numeric.lab.lab3``: Lab 3, the ELBO of a single-latent model (the assignment sheet's classes).
``numeric.lab.train``: the training demonstration behind ``python -m crosscheck train``.

Import the one you work on, as the notebook's cells expect: ``from numeric.lab.lab4 import *``.
"""
