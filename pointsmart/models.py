"""Imports every domain's models so the metadata is complete (for Alembic and tests)."""

from .accounts.models import ApiToken, RoleAssignment, User
from .counter.models import Shop
from .ledger.models import Account, ChainHead, IdempotencyRecord, MonthlyTotal, Transfer
from .villages.models import Card, Grid, Household, Member, Village

__all__ = [
    "Account",
    "ApiToken",
    "Card",
    "ChainHead",
    "Grid",
    "Household",
    "IdempotencyRecord",
    "Member",
    "MonthlyTotal",
    "RoleAssignment",
    "Shop",
    "Transfer",
    "User",
    "Village",
]
