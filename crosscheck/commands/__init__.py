"""The user-facing commands, one module each: ``cli`` (``python -m crosscheck`` and dispatch),
``check``, ``claims``, ``latex``, ``plots``, ``train`` and the pytest ``assertions``."""
