#!/usr/bin/env python3
"""An independent verifier of Chung Tay's public ledger.

Written only from RFC 9162 (Certificate Transparency 2.0) §2.1 and the
public endpoints documented in docs/ledger.md — it shares no code with the
server. Python 3 standard library for hashing and HTTP; the Ed25519
signatures are checked with `cryptography` or PyNaCl when either is
installed (scripts/verify-ledger-venv.sh makes a virtual environment with
it), otherwise a warning says they were not checked (--require-signature
makes that a failure). The hashing and proof checks always run.

    scripts/verify-ledger.py http://127.0.0.1:8080
    scripts/verify-ledger.py --state ledger-state.json https://chungtay.example.vn

What it checks, stopping at the first failure (exit 1, the failure named on
stderr); exit 0 with a summary when everything holds:

 1. GET /api/v1/ledger/key (and /keys when the server lists every key it
    has used): Ed25519, 32-byte keys, key id = hex(SHA-256(key)[0:8]).
 2. GET /api/v1/ledger/sth: the signature over the 64 documented bytes —
    "ChungTay-STH-v1" 0x00 ‖ tree_size u64 BE ‖ timestamp ms u64 BE ‖ root.
 3. GET /api/v1/ledger/entries (start and end inclusive, paged): every
    entry, in order; leaf hash = SHA-256(0x00 ‖ leaf); the Merkle Tree Hash
    of RFC 9162 §2.1.1 recomputed and compared with the signed root.
 4. GET /api/v1/ledger/sths: every published head's signature, and its root
    against the MTH of the first tree_size entries; then a consistency proof
    (GET /proof/consistency) between every pair of distinct heads, checked
    by the algorithm of RFC 9162 §2.1.4.2.
 5. GET /api/v1/ledger/proof/inclusion for a sample of entries (first, last
    and --sample random ones), checked by RFC 9162 §2.1.3.2 against the
    signed root.

With --state FILE the verifier remembers the leaf hashes it accepted; on the
next run an entry whose hash changed is named exactly (a log may only grow).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import random
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone

STH_DOMAIN = b"ChungTay-STH-v1\x00"
EMPTY_ROOT = hashlib.sha256(b"").digest()


class Failure(Exception):
    """The first check that does not hold."""


# ---------------------------------------------------------------- RFC 9162 §2.1.1


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves: list[bytes], lo: int = 0, hi: int | None = None) -> bytes:
    """MTH(D[lo:hi]) over leaf hashes, exactly as §2.1.1 defines it."""
    if hi is None:
        hi = len(leaves)
    n = hi - lo
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[lo]
    k = split_point(n)
    return node_hash(mth(leaves, lo, lo + k), mth(leaves, lo + k, hi))


class Roots:
    """MTH of every prefix size asked for, sharing the complete subtrees
    (perfect subtrees of 2^h leaves starting at a multiple of 2^h are the
    same in every tree that contains them)."""

    def __init__(self, leaves: list[bytes]):
        self.leaves = leaves
        self.perfect: dict[tuple[int, int], bytes] = {}

    def subtree(self, lo: int, hi: int) -> bytes:
        n = hi - lo
        if n == 1:
            return self.leaves[lo]
        perfect = n & (n - 1) == 0 and lo % n == 0
        if perfect and (lo, n) in self.perfect:
            return self.perfect[(lo, n)]
        k = split_point(n)
        h = node_hash(self.subtree(lo, lo + k), self.subtree(lo + k, hi))
        if perfect:
            self.perfect[(lo, n)] = h
        return h

    def root(self, size: int) -> bytes:
        if size == 0:
            return EMPTY_ROOT
        return self.subtree(0, size)


# ---------------------------------------------------------------- RFC 9162 §2.1.3.2


def verify_inclusion(
    leaf_index: int, tree_size: int, h: bytes, path: list[bytes], root: bytes
) -> bool:
    if leaf_index >= tree_size:
        return False
    fn, sn = leaf_index, tree_size - 1
    r = h
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


# ---------------------------------------------------------------- RFC 9162 §2.1.4.2


def verify_consistency(
    first: int, second: int, first_hash: bytes, second_hash: bytes, proof: list[bytes]
) -> bool:
    # Outside 0 < first < second, as docs/ledger.md §4 fixes it.
    if first > second:
        return False
    if first == second:
        return not proof and first_hash == second_hash
    if first == 0:
        return not proof and first_hash == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_hash)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0


# ---------------------------------------------------------------- signatures


def signature_checker():
    """(name, verify(public_key, signature, message) -> bool), or None."""
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        def verify_cryptography(pk: bytes, sig: bytes, msg: bytes) -> bool:
            try:
                Ed25519PublicKey.from_public_bytes(pk).verify(sig, msg)
                return True
            except (InvalidSignature, ValueError):
                return False

        return "cryptography", verify_cryptography
    except ImportError:
        pass
    try:
        from nacl.exceptions import BadSignatureError
        from nacl.signing import VerifyKey

        def verify_nacl(pk: bytes, sig: bytes, msg: bytes) -> bool:
            try:
                VerifyKey(pk).verify(msg, sig)
                return True
            except (BadSignatureError, ValueError):
                return False

        return "PyNaCl", verify_nacl
    except ImportError:
        return None


def signed_bytes(tree_size: int, timestamp_ms: int, root: bytes) -> bytes:
    return STH_DOMAIN + tree_size.to_bytes(8, "big") + timestamp_ms.to_bytes(8, "big") + root


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


# ---------------------------------------------------------------- HTTP and fields


class Api:
    def __init__(self, base: str, timeout: float):
        self.base = base.rstrip("/")
        self.timeout = timeout
        self.requests = 0

    def get(self, path: str, params: dict | None = None, optional: bool = False):
        url = self.base + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        self.requests += 1
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as resp:
                body = resp.read()
        except urllib.error.HTTPError as e:
            if optional and e.code == 404:
                return None
            detail = e.read(300).decode("utf-8", "replace")
            raise Failure(f"GET {url}: HTTP {e.code} {detail}") from None
        except (urllib.error.URLError, OSError) as e:
            raise Failure(f"GET {url}: {e}") from None
        try:
            return json.loads(body)
        except ValueError:
            raise Failure(f"GET {url}: the answer is not JSON") from None


def field(obj, name: str, kind, where: str):
    if not isinstance(obj, dict) or name not in obj:
        raise Failure(f"{where}: no field {name!r}")
    value = obj[name]
    if kind is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise Failure(f"{where}: {name} is not a non-negative integer: {value!r}")
    if kind is not int and not isinstance(value, kind):
        raise Failure(f"{where}: {name} has the wrong type: {value!r}")
    return value


def b64(text: str, where: str, length: int | None = None) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise Failure(f"{where}: not base64: {text!r}") from None
    if length is not None and len(raw) != length:
        raise Failure(f"{where}: {len(raw)} bytes, expected {length}")
    return raw


def hex32(text, where: str) -> bytes:
    try:
        raw = bytes.fromhex(text)
    except (ValueError, TypeError):
        raise Failure(f"{where}: not hex: {text!r}") from None
    if len(raw) != 32 or text != text.lower():
        raise Failure(f"{where}: not a 32-byte lower-case hex hash: {text!r}")
    return raw


def when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Head:
    def __init__(self, obj, where: str):
        self.where = where
        self.tree_size = field(obj, "tree_size", int, where)
        self.root_hex = field(obj, "root_hash", str, where)
        self.root = hex32(self.root_hex, f"{where} root_hash")
        self.timestamp = field(obj, "timestamp", int, where)
        self.signature = b64(field(obj, "signature", str, where), f"{where} signature", 64)
        self.key_id = obj.get("key_id") if isinstance(obj, dict) else None

    def describe(self) -> str:
        return f"tree head of {when(self.timestamp)} (size {self.tree_size}, root {self.root_hex[:16]}…)"


# ---------------------------------------------------------------- the checks


class Verifier:
    def __init__(self, args):
        self.args = args
        self.api = Api(args.url, args.timeout)
        self.notes: list[str] = []
        self.checker = signature_checker()
        self.keys: dict[str, bytes] = {}
        self.signatures_checked = 0

    def note(self, text: str) -> None:
        self.notes.append(text)
        if self.args.verbose:
            print(text, file=sys.stderr)

    def fetch_keys(self) -> str:
        key = self.api.get("/api/v1/ledger/key")
        algorithm = field(key, "algorithm", str, "/key")
        if algorithm != "ed25519":
            raise Failure(f"/key: algorithm {algorithm!r}, expected 'ed25519'")
        pk = b64(field(key, "public_key", str, "/key"), "/key public_key", 32)
        current = key_id(pk)
        claimed = key.get("key_id")
        if claimed is not None and claimed != current:
            raise Failure(f"/key: key_id {claimed!r} is not hex(SHA-256(public key)[0:8]) = {current}")
        self.keys[current] = pk
        listed = self.api.get("/api/v1/ledger/keys", optional=True)
        if listed is not None:
            for i, k in enumerate(field(listed, "keys", list, "/keys")):
                where = f"/keys[{i}]"
                if field(k, "algorithm", str, where) != "ed25519":
                    raise Failure(f"{where}: algorithm is not ed25519")
                raw = b64(field(k, "public_key", str, where), f"{where} public_key", 32)
                kid = key_id(raw)
                if k.get("key_id") not in (None, kid):
                    raise Failure(f"{where}: key_id {k.get('key_id')!r} is not {kid}")
                self.keys[kid] = raw
        return current

    def check_signature(self, head: Head, default_key: str) -> None:
        kid = head.key_id or default_key
        pk = self.keys.get(kid)
        if pk is None:
            raise Failure(f"{head.where}: signed by key {kid}, which the server does not publish")
        if self.checker is None:
            if self.args.require_signature:
                raise Failure(
                    "cannot check Ed25519 signatures: install `cryptography` or PyNaCl "
                    "(scripts/verify-ledger-venv.sh)"
                )
            return
        message = signed_bytes(head.tree_size, head.timestamp, head.root)
        if not self.checker[1](pk, head.signature, message):
            raise Failure(f"{head.where}: the Ed25519 signature of the {head.describe()} does not verify under key {kid}")
        self.signatures_checked += 1

    def fetch_entries(self, size: int) -> tuple[list[bytes], dict[str, int]]:
        leaves: list[bytes] = []
        kinds: dict[str, int] = {}
        pages = 0
        while len(leaves) < size:
            start = len(leaves)
            end = min(size - 1, start + self.args.page - 1)
            page = self.api.get("/api/v1/ledger/entries", {"start": start, "end": end})
            pages += 1
            entries = field(page, "entries", list, f"/entries?start={start}&end={end}")
            if not entries:
                raise Failure(f"/entries?start={start}&end={end}: no entries, but the tree has {size}")
            for e in entries:
                where = f"entry {len(leaves)}"
                index = field(e, "index", int, where)
                if index != len(leaves):
                    raise Failure(f"{where}: the server returned index {index} in its place")
                raw = b64(field(e, "leaf", str, where), f"{where} leaf")
                leaves.append(leaf_hash(raw))
                try:
                    kind = json.loads(raw).get("kind", "?")
                except (ValueError, AttributeError):
                    kind = "(not JSON)"
                kinds[str(kind)] = kinds.get(str(kind), 0) + 1
                if len(leaves) == size:
                    break
        self.note(f"entries: {size} fetched in {pages} page(s)")
        return leaves, kinds

    def locate(self, leaves: list[bytes], roots: Roots, heads: list[Head], bad: Head) -> str:
        """Where the entries stop agreeing with what was signed."""
        hints = []
        saved = self.load_state()
        if saved is not None:
            for i, old in enumerate(saved["leaf_hashes"][: len(leaves)]):
                if bytes.fromhex(old) != leaves[i]:
                    hints.append(
                        f"entry {i} changed since the last accepted run: its leaf hash was {old}, "
                        f"now {leaves[i].hex()}"
                    )
                    break
        good = [h for h in heads if h.tree_size < bad.tree_size and roots.root(h.tree_size) == h.root]
        lo = max((h.tree_size for h in good), default=0)
        hints.append(
            f"the first {lo} entries agree with the signed heads, so the change is among entries "
            f"{lo}…{bad.tree_size - 1}"
        )
        return "; ".join(hints)

    def load_state(self):
        if not self.args.state:
            return None
        try:
            with open(self.args.state, encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            raise Failure(f"--state {self.args.state}: {e}") from None

    def check_state(self, leaves: list[bytes]) -> None:
        saved = self.load_state()
        if saved is None:
            return
        old = saved.get("leaf_hashes", [])
        if len(old) > len(leaves):
            raise Failure(
                f"the log shrank: {len(old)} entries were accepted on {saved.get('checked_at')}, "
                f"the server now has {len(leaves)}"
            )
        for i, h in enumerate(old):
            if bytes.fromhex(h) != leaves[i]:
                raise Failure(
                    f"entry {i} changed since the last accepted run ({saved.get('checked_at')}): "
                    f"its leaf hash was {h}, now {leaves[i].hex()}"
                )
        self.note(f"state: the {len(old)} entries accepted before are unchanged")

    def save_state(self, leaves: list[bytes], sth: Head) -> None:
        if not self.args.state:
            return
        state = {
            "server": self.api.base,
            "checked_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tree_size": sth.tree_size,
            "root_hash": sth.root_hex,
            "leaf_hashes": [h.hex() for h in leaves],
        }
        with open(self.args.state, "w", encoding="utf-8") as f:
            json.dump(state, f)

    def run(self) -> list[str]:
        current_key = self.fetch_keys()
        sth = Head(self.api.get("/api/v1/ledger/sth"), "/sth")
        self.check_signature(sth, current_key)

        listed = self.api.get("/api/v1/ledger/sths")
        heads = [Head(h, f"/sths[{i}]") for i, h in enumerate(field(listed, "heads", list, "/sths"))]
        size = max([sth.tree_size] + [h.tree_size for h in heads])
        leaves, kinds = self.fetch_entries(size)
        roots = Roots(leaves)

        # The signed root against the entries, then every published head.
        for head in [sth] + heads:
            if roots.root(head.tree_size) != head.root:
                raise Failure(
                    f"{head.where}: the root recomputed from the entries (RFC 9162 §2.1.1), "
                    f"{roots.root(head.tree_size).hex()}, is not the root of the signed "
                    f"{head.describe()}: {self.locate(leaves, roots, heads, head)}"
                )
        self.check_state(leaves)
        for head in heads:
            self.check_signature(head, current_key)

        # Consistency between every pair of distinct heads (§2.1.4.2).
        distinct = sorted({(h.tree_size, h.root): h for h in heads}.values(), key=lambda h: h.tree_size)
        pairs = 0
        for i, a in enumerate(distinct):
            for b in distinct[i + 1 :]:
                answer = self.api.get(
                    "/api/v1/ledger/proof/consistency", {"first": a.tree_size, "second": b.tree_size}
                )
                where = f"consistency proof {a.tree_size} → {b.tree_size}"
                proof = [hex32(p, where) for p in field(answer, "proof", list, where)]
                if (field(answer, "first", int, where), field(answer, "second", int, where)) != (
                    a.tree_size,
                    b.tree_size,
                ):
                    raise Failure(f"{where}: the answer is for other sizes")
                if not verify_consistency(a.tree_size, b.tree_size, a.root, b.root, proof):
                    raise Failure(
                        f"{where}: does not prove that the {b.describe()} extends the {a.describe()} "
                        f"(RFC 9162 §2.1.4.2)"
                    )
                pairs += 1

        # Inclusion of a sample of entries in the signed tree (§2.1.3.2).
        n = sth.tree_size
        sample: set[int] = set()
        if n:
            sample = {0, n - 1} | {random.randrange(n) for _ in range(min(self.args.sample, n))}
        for index in sorted(sample):
            answer = self.api.get("/api/v1/ledger/proof/inclusion", {"index": index, "tree_size": n})
            where = f"inclusion proof of entry {index} in size {n}"
            if (field(answer, "leaf_index", int, where), field(answer, "tree_size", int, where)) != (index, n):
                raise Failure(f"{where}: the answer is for another entry or size")
            path = [hex32(p, where) for p in field(answer, "audit_path", list, where)]
            if not verify_inclusion(index, n, leaves[index], path, sth.root):
                raise Failure(f"{where}: does not lead to the signed root (RFC 9162 §2.1.3.2)")

        self.save_state(leaves, sth)
        if self.checker is None:
            signatures = (
                "WARNING: signatures NOT checked — neither `cryptography` nor PyNaCl is installed "
                "(scripts/verify-ledger-venv.sh)"
            )
        else:
            signatures = f"{self.signatures_checked} Ed25519 signature(s) verified with {self.checker[0]}"
        by_kind = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "none"
        return [
            f"OK: {self.api.base} — the ledger verifies (RFC 9162 §2.1)",
            f"  signed tree head: size {n}, root {sth.root_hex}, {when(sth.timestamp)}, key {sth.key_id or current_key}",
            f"  entries: {len(leaves)} fetched, leaf hashes and root recomputed; by kind: {by_kind}",
            f"  heads: {len(heads)} published, every root recomputed; {pairs} consistency proof(s) between distinct heads verified",
            f"  inclusion: {len(sample)} sampled proof(s) verified against the signed root",
            f"  signatures: {signatures}",
            f"  {self.api.requests} requests",
        ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Verify a Chung Tay public ledger from its public API (RFC 9162 §2.1, Ed25519 heads)."
    )
    parser.add_argument("url", help="the server, e.g. http://127.0.0.1:8080")
    parser.add_argument("--sample", type=int, default=64, help="random inclusion proofs to check (default 64)")
    parser.add_argument("--page", type=int, default=1000, help="entries asked for per request (default 1000)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default 30)")
    parser.add_argument("--state", help="remember the accepted leaf hashes here and compare on the next run")
    parser.add_argument(
        "--require-signature",
        action="store_true",
        help="fail when no Ed25519 library is installed (default: warn)",
    )
    parser.add_argument("--seed", type=int, help="seed of the inclusion sample")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    if args.page < 1 or args.sample < 0:
        parser.error("--page must be at least 1 and --sample not negative")
    random.seed(args.seed)
    verifier = Verifier(args)
    if verifier.checker is None and not args.require_signature:
        print(
            "warning: neither `cryptography` nor PyNaCl is installed: Ed25519 signatures will NOT be "
            "checked (scripts/verify-ledger-venv.sh makes a venv with them)",
            file=sys.stderr,
        )
    try:
        summary = verifier.run()
    except Failure as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
        return 1
    print("\n".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
