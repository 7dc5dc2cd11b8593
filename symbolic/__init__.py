"""Symbolic layer (SymPy only): the DDPM derivation carried out and proved exactly.

Never imports torch.  Every identity has an expression function and a ``prove_<name>``
function returning a :class:`~symbolic.proof.Proof`.
"""

from .proof import Proof as Proof, Status as Status, prove_equal as prove_equal

__all__ = ["Proof", "Status", "prove_equal"]
