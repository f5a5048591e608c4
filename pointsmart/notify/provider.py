"""The text-message provider: Alibaba Cloud SMS (阿里云短信服务) through its official SDK,
``alibabacloud_dysmsapi20170525``, which signs every request (ACS3-HMAC-SHA256).

Settings (the app's config, else the environment):

| variable | meaning |
| --- | --- |
| ``ALIBABA_CLOUD_ACCESS_KEY_ID``, ``..._SECRET`` | the RAM user's key (the SDK's names) |
| ``SMS_SIGN_NAME`` | the approved sign (签名), e.g. 幸福村积分超市 |
| ``SMS_TEMPLATE_CHANGE``, ``..._SUMMARY`` | approved template codes (``texts.TEMPLATES``) |
| ``SMS_ENDPOINT`` | default ``dysmsapi.aliyuncs.com`` |
| ``SMS_PROTOCOL`` | default ``https`` (``http`` only for a stand-in on this machine) |
| ``SMS_CALLBACK_TOKEN`` | the secret part of the receipt and reply URLs (``notify.callbacks``) |

Without the key, the sign and both templates nothing is sent: messages wait in the outbox,
and the admin page says which settings are missing.

``send`` and ``find`` answer with an ``Outcome``: ``sent`` (the provider took it, with its
BizId), ``throttled`` (refused for now: certainly not sent), ``refused`` (an error answer:
certainly not sent; ``permanent`` when retrying cannot help, e.g. a wrong number), or
``ambiguous`` (no answer: the connection broke, a time-out, a 5xx; the provider may have
it, so the worker asks ``find`` before it sends again).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from ..clock import utcnow
from .texts import TEMPLATES

PROVIDER_ZONE = ZoneInfo("Asia/Shanghai")  # QuerySendDetails dates are Beijing days
REQUIRED = (
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "SMS_SIGN_NAME",
    "SMS_TEMPLATE_CHANGE",
    "SMS_TEMPLATE_SUMMARY",
)
THROTTLING = ("Throttling", "isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL")
PERMANENT = (
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.MOBILE_COUNT_OVER_LIMIT",
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.INVALID_PARAMETERS",
    "isv.PARAM_LENGTH_LIMIT",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.INVALID_JSON_PARAM",
)


@dataclass(frozen=True)
class ProviderSettings:
    values: dict[str, str] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        return [name for name in REQUIRED if not self.values.get(name)]

    @property
    def configured(self) -> bool:
        return not self.missing

    def __getitem__(self, name: str) -> str:
        return self.values.get(name) or ""


def provider_settings(config: Any) -> ProviderSettings:
    names = (*REQUIRED, "SMS_ENDPOINT", "SMS_PROTOCOL", "SMS_CALLBACK_TOKEN")
    values = {name: str(config.get(name) or os.environ.get(name) or "") for name in names}
    values["SMS_ENDPOINT"] = values["SMS_ENDPOINT"] or "dysmsapi.aliyuncs.com"
    values["SMS_PROTOCOL"] = values["SMS_PROTOCOL"] or "https"
    return ProviderSettings(values)


@dataclass(frozen=True)
class Outcome:
    kind: str  # "sent", "throttled", "refused", "ambiguous"; find: "sent" or "absent"
    provider_id: str | None = None
    error: str = ""
    permanent: bool = False
    receipt: str | None = None  # find: "delivered" / "undelivered" when the carrier said


class AliyunSms:
    """Send and look up messages through the SDK; one client per worker."""

    def __init__(self, settings: ProviderSettings, *, timeout_seconds: float = 10):
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        self.settings = settings
        self.client = Client(
            Config(
                access_key_id=settings["ALIBABA_CLOUD_ACCESS_KEY_ID"],
                access_key_secret=settings["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
                endpoint=settings["SMS_ENDPOINT"],
                protocol=settings["SMS_PROTOCOL"],
                read_timeout=int(timeout_seconds * 1000),
                connect_timeout=int(timeout_seconds * 1000),
            )
        )
        self.templates = {
            "change": settings["SMS_TEMPLATE_CHANGE"],
            "summary": settings["SMS_TEMPLATE_SUMMARY"],
        }
        assert set(self.templates) == set(TEMPLATES)

    def send(self, *, phone: str, kind: str, params: dict[str, str], key: str) -> Outcome:
        from alibabacloud_dysmsapi20170525 import models

        request = models.SendSmsRequest(
            phone_numbers=phone,
            sign_name=self.settings["SMS_SIGN_NAME"],
            template_code=self.templates[kind],
            template_param=json.dumps(params, ensure_ascii=False, separators=(",", ":")),
            out_id=key,
        )
        try:
            body = self.client.send_sms_with_options(request, _runtime()).body
        except Exception as error:
            return _sorted_error(error)
        code = body.code or ""
        if code == "OK":
            return Outcome("sent", provider_id=body.biz_id)
        return _refusal(code, body.message or "")

    def find(self, *, phone: str, key: str, since: dt.datetime) -> Outcome:
        """Whether the provider has the message ``key`` sent to ``phone`` since ``since``:
        ``sent`` (with its receipt, if any: the send details carry no BizId, so the message
        is kept without the provider's id), ``absent``, or ``ambiguous`` when the provider
        could not be asked."""
        from alibabacloud_dysmsapi20170525 import models

        day = since.astimezone(PROVIDER_ZONE).date()
        today = utcnow().astimezone(PROVIDER_ZONE).date()  # the app's clock, as ``since``
        while day <= today:
            for page in range(1, 21):
                request = models.QuerySendDetailsRequest(
                    phone_number=phone,
                    send_date=day.strftime("%Y%m%d"),
                    page_size=50,
                    current_page=page,
                )
                try:
                    body = self.client.query_send_details_with_options(request, _runtime()).body
                except Exception as error:
                    outcome = _sorted_error(error)
                    return Outcome("ambiguous", error=outcome.error)
                if body.code != "OK":
                    return Outcome("ambiguous", error=f"{body.code}: {body.message}"[:200])
                details = body.sms_send_detail_dtos.sms_send_detail_dto or []
                for detail in details:
                    if detail.out_id == key:
                        receipt = {3: "delivered", 2: "undelivered"}.get(detail.send_status)
                        return Outcome("sent", provider_id=None, receipt=receipt)
                if len(details) < 50:
                    break
            day += dt.timedelta(days=1)
        return Outcome("absent")


def _runtime():
    from darabonba.runtime import RuntimeOptions

    return RuntimeOptions()


def _refusal(code: str, message: str) -> Outcome:
    error = f"{code}: {message}"[:200]
    if code.startswith(THROTTLING):
        return Outcome("throttled", error=error)
    return Outcome("refused", error=error, permanent=code in PERMANENT)


def _sorted_error(error: Exception) -> Outcome:
    """An exception of the SDK: an error answer (4xx: certainly not sent) or none at all."""
    status = getattr(error, "status_code", None)
    code = str(getattr(error, "code", "") or "")
    if isinstance(status, int) and 400 <= status < 500 and code:
        return _refusal(code, str(getattr(error, "message", "") or ""))
    return Outcome("ambiguous", error=f"{type(error).__name__}: {error}"[:200])
