"""What the campaigns API reads and writes."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..schemas import A_DAY_OF_THE_CALENDAR as DAY
from ..schemas import MAX_ID
from ..text import MAX_REASON, Name, Text
from .models import NOMINATION_STATUSES, OBJECTION_STATUSES, TIE_BREAKS

ID = validate.Range(1, MAX_ID)
REASON = validate.Length(1, MAX_REASON)


class CouncilMemberIn(Schema):
    user_id = fields.Int(load_default=None, allow_none=True, strict=True, validate=ID)
    household_id = fields.Int(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=ID,
        metadata={"description": "the member's own household; alone: a villager member"},
    )

    @validates_schema
    def someone(self, data, **kwargs):
        if data.get("user_id") is None and data.get("household_id") is None:
            raise ValidationError(str(_l("Give user_id, household_id or both.")), "user_id")


class CampaignCommonIn(Schema):
    """What a village's and a region's campaign are both set up with."""

    title = Name(required=True, validate=validate.Length(1, 50))
    seats = fields.Int(required=True, strict=True, validate=validate.Range(1, 1000))
    nominate_from = fields.Date(required=True, validate=DAY)
    nominate_until = fields.Date(required=True, validate=DAY)
    review_until = fields.Date(required=True, validate=DAY)
    notice_days = fields.Int(required=True, strict=True, validate=validate.Range(0, 60))
    quorum = fields.Int(required=True, strict=True, validate=validate.Range(1, 1000))
    council = fields.List(
        fields.Int(strict=True, validate=ID),
        load_default=list,
        validate=validate.Length(max=100),
        metadata={"description": "staff user ids"},
    )
    council_members = fields.List(
        fields.Nested(CouncilMemberIn),
        load_default=list,
        validate=validate.Length(max=100),
        metadata={"description": "members with their household, and villager members"},
    )
    majority_percent = fields.Int(load_default=50, strict=True, validate=validate.Range(50, 99))
    tie_break = fields.Str(load_default="beans", validate=validate.OneOf(TIE_BREAKS))
    villagers_nominate = fields.Bool(load_default=False)
    bean_votes = fields.Int(load_default=0, strict=True, validate=validate.Range(0, 100))


class CampaignIn(CampaignCommonIn):
    rule_id = fields.Int(required=True, strict=True, validate=ID)


class RegionCampaignIn(CampaignCommonIn):
    points = fields.Int(
        required=True,
        strict=True,
        validate=validate.Range(1, 1_000_000),
        metadata={"description": "what each winner gets, in its own village (no rule_id)"},
    )


class MyVoteOut(Schema):
    approve = fields.Bool()
    note = fields.Str()


class NominationOut(Schema):
    id = fields.Int()
    household_id = fields.Int()
    village_id = fields.Int()
    number = fields.Str()
    head_name = fields.Str()
    reason = fields.Str()
    has_photo = fields.Bool()
    status = fields.Str(metadata={"enum": list(NOMINATION_STATUSES)})
    created_at = fields.DateTime()
    rank = fields.Int(allow_none=True)
    won = fields.Bool()
    transfer_id = fields.Int(allow_none=True)
    approvals = fields.Int(allow_none=True, metadata={"description": "null while secret"})
    rejections = fields.Int(allow_none=True)
    beans = fields.Int(allow_none=True)
    my_vote = fields.Nested(MyVoteOut, allow_none=True)


class CouncilMemberOut(Schema):
    id = fields.Int()
    user_id = fields.Int(allow_none=True)
    household_id = fields.Int(allow_none=True)


class CampaignSummary(Schema):
    id = fields.Int()
    village_id = fields.Int(allow_none=True, metadata={"description": "a village's campaign"})
    region_id = fields.Int(
        allow_none=True, metadata={"description": "a township's or county's campaign"}
    )
    title = fields.Str()
    nominate_from = fields.Date()
    review_until = fields.Date()
    published_at = fields.DateTime(allow_none=True)
    conferred_at = fields.DateTime(allow_none=True)


class CampaignOut(CampaignSummary):
    rule_id = fields.Int(allow_none=True)
    points = fields.Int(
        allow_none=True, metadata={"description": "what each winner of a region's campaign gets"}
    )
    seats = fields.Int()
    nominate_until = fields.Date()
    notice_days = fields.Int()
    notice_until = fields.Date(allow_none=True)
    quorum = fields.Int()
    majority_percent = fields.Int()
    tie_break = fields.Str()
    villagers_nominate = fields.Bool()
    bean_votes = fields.Int()
    stage = fields.Str(
        metadata={
            "enum": ["upcoming", "nomination", "review", "counting", "notice", "ready", "conferred"]
        }
    )
    nomination_open = fields.Bool()
    review_open = fields.Bool()
    notice_open = fields.Bool()
    votes_secret = fields.Bool()
    can_publish = fields.Bool()
    council = fields.List(fields.Nested(CouncilMemberOut))
    council_size = fields.Int()
    on_council = fields.Bool()
    gave_beans = fields.Bool()
    nominations = fields.List(fields.Nested(NominationOut))


class ConferralOut(CampaignOut):
    posted = fields.Int(metadata={"description": "transfers this call posted (0 on a repeat)"})


class CampaignList(Schema):
    items = fields.List(fields.Nested(CampaignSummary))


class NominationIn(Schema):
    household_id = fields.Int(required=True, strict=True, validate=ID)
    reason = Text(required=True, validate=REASON)
    photo_base64 = fields.Str(load_default=None, allow_none=True)


class VoteIn(Schema):
    approve = fields.Bool(required=True)
    note = Text(load_default="", validate=validate.Length(max=500))


class VoteCast(Schema):
    id = fields.Int()
    nomination_id = fields.Int()
    approve = fields.Bool()
    note = fields.Str()
    cast_at = fields.DateTime()


class BeansIn(Schema):
    beans = fields.Dict(
        keys=fields.Str(validate=validate.Regexp(r"^[1-9][0-9]{0,9}$")),
        values=fields.Int(strict=True, validate=validate.Range(0, 100)),
        required=True,
        metadata={"description": "{nomination id: beans}"},
    )


class BallotOut(Schema):
    id = fields.Int()
    campaign_id = fields.Int()
    household_id = fields.Int()
    cast_at = fields.DateTime()


class NomineeObjectionIn(Schema):
    reason = Text(required=True, validate=REASON)
    household_id = fields.Int(load_default=None, strict=True, validate=ID)


class NomineeObjectionOut(Schema):
    id = fields.Int()
    nomination_id = fields.Int()
    village_id = fields.Int()
    household_id = fields.Int()
    reason = fields.Str()
    filed_by_id = fields.Int(allow_none=True)
    raised_at = fields.DateTime()
    status = fields.Str(metadata={"enum": list(OBJECTION_STATUSES)})
    decided_by_id = fields.Int(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_reason = fields.Str(allow_none=True)


class NomineeObjectionList(Schema):
    items = fields.List(fields.Nested(NomineeObjectionOut))


class NomineeObjectionDecisionIn(Schema):
    uphold = fields.Bool(required=True)
    reason = Text(required=True, validate=REASON)
