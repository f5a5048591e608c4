from ...api import Blueprint

blp = Blueprint(
    "rule_templates",
    __name__,
    description="County rule templates (积分细则) and villages' adoptions of them",
)
