"""Imports every domain's models so the metadata is complete (for Alembic and tests)."""

from .accounts.models import ApiToken, RoleAssignment, User
from .activities.models import Activity, Attendance
from .audit.models import AuditEntry
from .awards.models import Approval
from .board.models import BoardEntry, Objection
from .campaigns.models import (
    BeanBallot,
    BeanVote,
    Campaign,
    CouncilMember,
    CouncilVote,
    Nomination,
    NominationObjection,
)
from .counter.models import Shop
from .households.models import Card, Household, Member
from .ledger.models import Account, ChainHead, IdempotencyRecord, MonthlyTotal, Transfer
from .notify.models import OutboxMessage, SmsConsent, SmsVillageSettings
from .regions.models import Region
from .regions.rollups import AwardDay, LeaderMonth, VillageMonth
from .reports.models import SheetPrint
from .rule_templates.models import (
    AdoptedEntry,
    Adoption,
    RuleTemplate,
    TemplateEntry,
    TemplateRule,
    TemplateVersion,
)
from .rules.models import Rule, RuleVersion
from .villages.models import Grid, Village

__all__ = [
    "Account",
    "Activity",
    "AdoptedEntry",
    "Adoption",
    "ApiToken",
    "Approval",
    "Attendance",
    "AuditEntry",
    "AwardDay",
    "BeanBallot",
    "BeanVote",
    "BoardEntry",
    "Campaign",
    "Card",
    "ChainHead",
    "CouncilMember",
    "CouncilVote",
    "Grid",
    "Household",
    "IdempotencyRecord",
    "LeaderMonth",
    "Member",
    "MonthlyTotal",
    "Nomination",
    "NominationObjection",
    "Objection",
    "OutboxMessage",
    "Region",
    "RoleAssignment",
    "Rule",
    "RuleTemplate",
    "RuleVersion",
    "SheetPrint",
    "Shop",
    "SmsConsent",
    "SmsVillageSettings",
    "TemplateEntry",
    "TemplateRule",
    "TemplateVersion",
    "Transfer",
    "User",
    "Village",
    "VillageMonth",
]
