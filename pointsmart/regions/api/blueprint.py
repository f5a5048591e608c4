from ...api import Blueprint

blp = Blueprint("regions", __name__, description="Counties, townships and their dashboards")
