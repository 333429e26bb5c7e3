//! RFC 9162 Merkle tree, proofs and signed tree heads for the public ledger (pure, no IO).
