"""crosscheck: pairs the symbolic proofs with the torch implementations (imports both).

``python -m crosscheck`` verifies the catalog; :func:`run_identity` checks one entry.
"""
