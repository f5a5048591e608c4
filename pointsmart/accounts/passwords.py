"""Password and PIN hashing with argon2id at OWASP's recommended parameters.

OWASP Password Storage Cheat Sheet: argon2id with 19 MiB of memory, 2 iterations and one
degree of parallelism. Hashes carry their parameters, so raising them later still verifies
old hashes, and ``needs_rehash`` tells when to upgrade one at the next login.
"""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

# A hash of nothing anybody knows, verified against when the user does not exist so that a
# wrong username takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("pointsmart-timing-equaliser")


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, secret) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
