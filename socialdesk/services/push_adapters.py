"""One push adapter per platform: each speaks its platform's documented API (docs/product.md §5).

The catalogue names a profile's adapter (``SettingsSpec.push_adapter``); :data:`ADAPTERS` maps that
name to the adapter, so no code asks which platform it is talking to. An adapter turns the saved
settings into the platform's own shapes (:meth:`Adapter.snapshot`), compares them with what the
platform was last sent, and makes the fewest calls that bring the platform up to date
(:meth:`Adapter.push`). Every HTTP call goes through :func:`send_request` (one place, with a
(connect, read) timeout, so a total-deadline helper can replace it).

What the platforms answer is sorted into :class:`PushProblem` kinds the queue acts on:

``transient``  no network, a time-out, a 5xx: retried with a back-off (never ``failed``);
``rate_limited`` HTTP 429, Meta codes 4/17/32/613: retried after the platform's hint or 15 minutes;
``expired``    the token is dead (Meta 190/102, HTTP 401): the grant expires, the push waits;
``permission`` the token lacks a permission (Meta 10/200-299, HTTP 403): the push waits for a re-connect;
``refused``    the platform refused the content (any other 4xx): ``failed`` until the settings change.

Pages followed (2026-12):

* Facebook — Messenger Profile API, https://developers.facebook.com/docs/messenger-platform/reference/messenger-profile-api/
  (``POST``/``DELETE /{page-id}/messenger_profile`` with a Page token holding ``pages_messaging``;
  ``greeting``, ``get_started``, ``ice_breakers`` (at most 4), ``persistent_menu``; ``DELETE`` takes
  ``{"fields": [...]}``; answers ``{"result": "success"}``).
* Instagram — Ice Breakers, https://developers.facebook.com/docs/messenger-platform/instagram/features/ice-breakers
  (``POST /me/messenger_profile?platform=instagram`` with the Page token, ``default`` locale required).
* WhatsApp — Business profiles, https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/business-profiles
  (``POST /{phone-number-id}/whatsapp_business_profile`` with ``"messaging_product": "whatsapp"``;
  ``about`` 1–139 and never empty) and the Resumable Upload API,
  https://developers.facebook.com/docs/graph-api/resumable-upload-api (``POST /{app-id}/uploads`` →
  ``{"id": "upload:…"}``; ``POST /upload:…`` with ``Authorization: OAuth …`` and ``file_offset: 0`` →
  ``{"h": handle}``, sent as ``profile_picture_handle``).
* X — Update profile, https://docs.x.com/x-api/users/update-profile (``PUT /2/users/me`` with
  ``name``, ``description``, ``url``, ``location``; only the fields present change).
* Graph API errors, https://developers.facebook.com/docs/graph-api/guides/error-handling/ (190
  invalid token, 4/17/32/613 rate limits); X rate limits, https://docs.x.com/x-api/fundamentals/rate-limits
  (429 with ``x-rate-limit-reset``).
* Postiz (gitroomhq/postiz-app, ``libraries/nestjs-libraries/src/integrations/social/facebook.provider.ts``)
  agrees where it overlaps — Page calls with the Page's own ``access_token`` from ``/me/accounts``, code
  190 meaning "re-authenticate", no ``pages_messaging`` in its publishing scopes — but sets no Messenger
  profile, WhatsApp business profile or X profile, so those wire formats follow the platform pages alone.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol

import requests

from socialdesk.models.settings_catalogue import flow_key
from socialdesk.services import http, redact

#: (connect, read) seconds for one call. A platform that takes longer has failed this attempt.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 20.0)
#: Without a hint from the platform, a rate limit is waited out this long.
RATE_LIMIT_WAIT = timedelta(minutes=15)
#: Payload of a flow sent to a platform: the flow's id never changes, so a renamed flow keeps working.
FLOW_PAYLOAD = "SOCIALDESK_FLOW_{id}"

META_EXPIRED = frozenset({190, 102})
META_RATE_LIMITS = frozenset({4, 17, 32, 613})
META_PERMISSION = frozenset({10, *range(200, 300)})


class PushProblem(Exception):
    """Why a push did not complete, sorted for the queue; ``partial`` is what did reach the platform."""

    def __init__(
        self,
        kind: str,
        reason: str,
        *,
        retry_at: datetime | None = None,
        partial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.retry_at = retry_at
        self.partial = partial


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: Any
    text: str


#: The whole of one push call, answer included (an avatar upload is the biggest).
PUSH_DEADLINE_S = 60.0


def send_request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    params: Mapping[str, str] | None = None,
    json_body: Any = None,
    data: bytes | None = None,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    label: str = "the platform",
) -> Answer:
    """Send one call; no network or a time-out raise a ``transient`` :class:`PushProblem`.

    The one place pushes touch the network: through ``services.http`` (a total deadline for the whole
    call, not only per read, and the URL checked the way the client connects: no secret or token goes
    over plain http to another computer)."""
    body = data
    sent_headers = {"Accept": "application/json", "User-Agent": "SocialDesk", **headers}
    if json_body is not None:
        body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        sent_headers["Content-Type"] = "application/json; charset=utf-8"
    try:
        with http.DeadlineSession(deadline=PUSH_DEADLINE_S) as session:
            response = session.request(
                method, url, params=params, data=body, headers=sent_headers, timeout=timeout
            )
    except requests.exceptions.ConnectTimeout:
        raise PushProblem("transient", f"could not reach {label} (no network?)") from None
    except http.DeadlineExceeded:
        raise PushProblem(
            "transient", f"{label} did not send its whole answer within {PUSH_DEADLINE_S:g} s"
        ) from None
    except requests.exceptions.Timeout:
        raise PushProblem("transient", f"{label} did not answer within {timeout[1]:g} s") from None
    except requests.exceptions.ConnectionError:
        raise PushProblem("transient", f"could not reach {label} (no network?)") from None
    except requests.exceptions.RequestException as exc:
        raise PushProblem(
            "refused",
            f"the {label} API address is not usable ({type(exc).__name__}); check api_base_url in "
            "providers.toml",
        ) from None
    with response:
        text = response.text
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        return Answer(response.status_code, dict(response.headers), parsed, text)


# -- what an adapter gets -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PushTarget:
    """Everything one push needs to know, gathered by the queue before any call."""

    label: str
    platform_id: str
    api_base_url: str
    #: The grant's own token (user, or WhatsApp system user).
    user_token: str
    #: The Page token for ``platform_id`` (Meta), or ``None`` when the sign-in gave none.
    page_token: str | None
    #: The app (client) id: the Resumable Upload API uploads "to" the app.
    app_id: str
    data_dir: Path
    #: ``flow_key(name)`` -> the flow's id (stable payloads).
    flow_ids: Mapping[str, int] = field(default_factory=dict)
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    now: Callable[[], datetime] = datetime.utcnow

    def url(self, path: str) -> str:
        return f"{self.api_base_url.rstrip('/')}/{path.lstrip('/')}"

    def payload(self, flow: str) -> str:
        found = self.flow_ids.get(flow_key(flow))
        if found is None:
            raise PushProblem("refused", f"the flow {flow!r} no longer exists; choose another and save")
        return FLOW_PAYLOAD.format(id=found)

    def secret_free(self, text: str) -> str:
        return redact.platform_message(text, self.user_token, self.page_token)


class Adapter(Protocol):
    """What the queue asks of an adapter."""

    #: Whether the push needs a Page token (Meta's Page-level APIs refuse a user token).
    needs_page_token: bool

    def snapshot(self, values: Mapping[str, Any], target: PushTarget) -> dict[str, Any]:
        """The platform-side shape of ``values`` (only what reaches the platform; unset parts absent)."""
        ...

    def push(
        self, current: dict[str, Any], previous: dict[str, Any] | None, target: PushTarget
    ) -> dict[str, Any]:
        """Bring the platform from ``previous`` (last synced, ``None``: never) to ``current``; returns
        what the platform now has. Raises :class:`PushProblem`."""
        ...


# -- answers ------------------------------------------------------------------------------------------


def _retry_hint(answer: Answer, target: PushTarget) -> datetime:
    """When the platform says to try again (Retry-After, X's reset time, Meta's usage header)."""
    now = target.now()
    headers = {k.lower(): v for k, v in answer.headers.items()}
    retry_after = headers.get("retry-after")
    if retry_after:
        if retry_after.strip().isdigit():
            return now + timedelta(seconds=int(retry_after))
        try:
            when = parsedate_to_datetime(retry_after)
            return (
                when.replace(tzinfo=None) if when.tzinfo is None else when.astimezone().replace(tzinfo=None)
            )
        except (TypeError, ValueError):
            pass
    reset = headers.get("x-rate-limit-reset")
    if reset and reset.strip().isdigit():
        return datetime.utcfromtimestamp(int(reset))
    usage = headers.get("x-business-use-case-usage") or headers.get("x-app-usage")
    if usage:
        try:
            data = json.loads(usage)
        except ValueError:
            data = None
        minutes = [
            entry.get("estimated_time_to_regain_access")
            for entries in (data.values() if isinstance(data, dict) else [])
            for entry in (entries if isinstance(entries, list) else [])
            if isinstance(entry, dict)
        ]
        waits = [m for m in minutes if isinstance(m, int) and m > 0]
        if waits:
            return now + timedelta(minutes=max(waits))
    return now + RATE_LIMIT_WAIT


def _meta_answer(answer: Answer, target: PushTarget, what: str, partial: dict[str, Any] | None) -> None:
    """Raise the problem a Graph API answer means (nothing for a success)."""
    if 200 <= answer.status < 300:
        return
    error = answer.body.get("error") if isinstance(answer.body, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code") if isinstance(error.get("code"), int) else None
    message = target.secret_free(str(error.get("message") or answer.text or f"HTTP {answer.status}"))
    detail = f"HTTP {answer.status}" + (f", code {code}" if code is not None else "") + f": {message}"
    if code in META_EXPIRED or (answer.status == 401 and code is None):
        raise PushProblem("expired", f"{target.label} refused the access token ({detail})", partial=partial)
    if code in META_RATE_LIMITS or answer.status == 429:
        raise PushProblem(
            "rate_limited",
            f"{target.label} rate limit ({detail})",
            retry_at=_retry_hint(answer, target),
            partial=partial,
        )
    if code in META_PERMISSION or answer.status == 403:
        raise PushProblem("permission", f"{target.label} refused the permission ({detail})", partial=partial)
    if answer.status >= 500 or code in (1, 2):
        raise PushProblem("transient", f"{target.label} had a server error ({detail})", partial=partial)
    raise PushProblem("refused", f"{target.label} refused the {what} ({detail})", partial=partial)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- Facebook: Messenger Profile API ------------------------------------------------------------------


def _locale_default(key: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"locale": "default", key: items}]


def _ice_breakers(values: Mapping[str, Any], target: PushTarget) -> list[dict[str, Any]] | None:
    items = values.get("ice_breakers") or []
    if not items:
        return None
    return _locale_default(
        "call_to_actions",
        [{"question": i["question"], "payload": target.payload(i["flow"])} for i in items],
    )


def _diff_calls(current: dict[str, Any], previous: dict[str, Any] | None) -> tuple[dict[str, Any], list[str]]:
    """Fields to set (new or changed) and fields to remove (set before, off now)."""
    before = previous or {}
    to_set = {k: v for k, v in current.items() if before.get(k) != v}
    to_delete = sorted(k for k in before if k not in current)
    return to_set, to_delete


class MessengerProfile:
    """Facebook page: greeting, Get Started, ice breakers and persistent menu, at most one POST and
    one DELETE per push (the API allows 10 calls per 10 minutes per Page)."""

    needs_page_token = True
    path = "{platform_id}/messenger_profile"
    params: ClassVar[dict[str, str]] = {}
    body_extra: ClassVar[dict[str, str]] = {}

    def snapshot(self, values: Mapping[str, Any], target: PushTarget) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if values.get("greeting_text"):
            out["greeting"] = [{"locale": "default", "text": values["greeting_text"]}]
        if values.get("get_started_flow"):
            out["get_started"] = {"payload": target.payload(values["get_started_flow"])}
        if (breakers := _ice_breakers(values, target)) is not None:
            out["ice_breakers"] = breakers
        menu = values.get("persistent_menu") or []
        if menu:
            out["persistent_menu"] = _locale_default(
                "call_to_actions",
                [
                    {"type": "postback", "title": m["label"], "payload": target.payload(m["flow"])}
                    for m in menu
                ],
            )
        return out

    def push(
        self, current: dict[str, Any], previous: dict[str, Any] | None, target: PushTarget
    ) -> dict[str, Any]:
        to_set, to_delete = _diff_calls(current, previous)
        have = dict(previous or {})
        url = target.url(self.path.format(platform_id=target.platform_id))
        token = target.page_token or ""
        if to_delete:
            answer = send_request(
                "DELETE",
                url,
                headers=_bearer(token),
                params=self.params,
                json_body={**self.body_extra, "fields": to_delete},
                timeout=target.timeout,
                label=target.label,
            )
            _meta_answer(answer, target, "removal of " + ", ".join(to_delete), None)
            for key in to_delete:
                have.pop(key, None)
        if to_set:
            answer = send_request(
                "POST",
                url,
                headers=_bearer(token),
                params=self.params,
                json_body={**self.body_extra, **to_set},
                timeout=target.timeout,
                label=target.label,
            )
            # After a removal that went through, the platform is no longer as last synced.
            _meta_answer(answer, target, "settings", have if to_delete else None)
            have.update(to_set)
        return have


class InstagramIceBreakers(MessengerProfile):
    """Instagram: ice breakers through the Page's Messenger profile with ``platform=instagram``."""

    path = "me/messenger_profile"
    params: ClassVar[dict[str, str]] = {"platform": "instagram"}
    body_extra: ClassVar[dict[str, str]] = {"platform": "instagram"}

    def snapshot(self, values: Mapping[str, Any], target: PushTarget) -> dict[str, Any]:
        breakers = _ice_breakers(values, target)
        return {} if breakers is None else {"ice_breakers": breakers}


# -- WhatsApp: business profile -----------------------------------------------------------------------

WHATSAPP_TEXT_FIELDS = ("about", "address", "description", "email", "vertical")


class WhatsAppBusinessProfile:
    """WhatsApp: the phone number's business profile; only fields that are set are sent (an empty
    ``about`` is refused by the API), the avatar through the Resumable Upload API."""

    needs_page_token = False

    def snapshot(self, values: Mapping[str, Any], target: PushTarget) -> dict[str, Any]:
        out: dict[str, Any] = {k: values[k] for k in WHATSAPP_TEXT_FIELDS if values.get(k)}
        if values.get("websites"):
            out["websites"] = list(values["websites"])
        if values.get("avatar"):
            out["avatar"] = values["avatar"]  # the file; uploaded only when it changed
        return out

    def push(
        self, current: dict[str, Any], previous: dict[str, Any] | None, target: PushTarget
    ) -> dict[str, Any]:
        to_set, _removed = _diff_calls(current, previous)
        if not to_set:
            return dict(current)
        body: dict[str, Any] = {"messaging_product": "whatsapp"}
        body.update({k: v for k, v in to_set.items() if k != "avatar"})
        if "avatar" in to_set:
            body["profile_picture_handle"] = self._upload(to_set["avatar"], target)
        answer = send_request(
            "POST",
            target.url(f"{target.platform_id}/whatsapp_business_profile"),
            headers=_bearer(target.user_token),
            json_body=body,
            timeout=target.timeout,
            label=target.label,
        )
        _meta_answer(answer, target, "business profile", None)
        return dict(current)

    def _upload(self, stored: str, target: PushTarget) -> str:
        """Resumable Upload API: open a session for the app, send the bytes, get the file handle."""
        path = Path(stored)
        path = path if path.is_absolute() else target.data_dir / path
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise PushProblem(
                "refused", f"the avatar file {stored} cannot be read ({exc.strerror}); choose it again"
            ) from None
        mime = mimetypes.guess_type(path.name)[0] or "image/jpeg"
        if not target.app_id:
            raise PushProblem(
                "permission",
                f"{target.label}'s app id (client_id) is not set, and the avatar upload needs it; "
                "enter it in Settings ▸ Sign-in",
            )
        opened = send_request(
            "POST",
            target.url(f"{target.app_id}/uploads"),
            headers=_bearer(target.user_token),
            params={"file_name": path.name, "file_length": str(len(data)), "file_type": mime},
            timeout=target.timeout,
            label=target.label,
        )
        _meta_answer(opened, target, "avatar upload", None)
        session = opened.body.get("id") if isinstance(opened.body, dict) else None
        if not isinstance(session, str) or not session.startswith("upload:"):
            raise PushProblem("transient", f"{target.label} gave no upload session for the avatar")
        sent = send_request(
            "POST",
            target.url(session),
            headers={"Authorization": f"OAuth {target.user_token}", "file_offset": "0"},
            data=data,
            timeout=target.timeout,
            label=target.label,
        )
        _meta_answer(sent, target, "avatar upload", None)
        handle = sent.body.get("h") if isinstance(sent.body, dict) else None
        if not isinstance(handle, str) or not handle:
            raise PushProblem("transient", f"{target.label} gave no file handle for the avatar")
        return handle


# -- X: profile update --------------------------------------------------------------------------------

X_FIELDS = {"name": "name", "bio": "description", "website": "url", "location": "location"}


class XProfile:
    """X: name, bio, website and location with ``PUT /2/users/me`` (only the fields that changed)."""

    needs_page_token = False

    def snapshot(self, values: Mapping[str, Any], target: PushTarget) -> dict[str, Any]:
        return {wire: values[key] for key, wire in X_FIELDS.items() if values.get(key)}

    def push(
        self, current: dict[str, Any], previous: dict[str, Any] | None, target: PushTarget
    ) -> dict[str, Any]:
        to_set, removed = _diff_calls(current, previous)
        # A field emptied in SocialDesk is emptied on X too ("" clears it).
        body = {**to_set, **{k: "" for k in removed if k != "name"}}
        if not body:
            return dict(current)
        answer = send_request(
            "PUT",
            target.url("users/me"),
            headers=_bearer(target.user_token),
            json_body=body,
            timeout=target.timeout,
            label=target.label,
        )
        if not 200 <= answer.status < 300:
            raise _x_problem(answer, target)
        return dict(current)


def _x_problem(answer: Answer, target: PushTarget) -> PushProblem:
    body = answer.body if isinstance(answer.body, dict) else {}
    errors = body.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    message = first.get("message") or body.get("detail") or body.get("title") or answer.text
    detail = f"HTTP {answer.status}: {target.secret_free(str(message or ''))}".rstrip(": ")
    if answer.status == 401:
        return PushProblem("expired", f"{target.label} refused the access token ({detail})")
    if answer.status == 429:
        return PushProblem(
            "rate_limited", f"{target.label} rate limit ({detail})", retry_at=_retry_hint(answer, target)
        )
    if answer.status == 403:
        return PushProblem("permission", f"{target.label} refused the permission ({detail})")
    if answer.status >= 500:
        return PushProblem("transient", f"{target.label} had a server error ({detail})")
    return PushProblem("refused", f"{target.label} refused the profile ({detail})")


#: ``SettingsSpec.push_adapter`` -> the adapter.
ADAPTERS: dict[str, Adapter] = {
    "messenger_profile": MessengerProfile(),
    "instagram_ice_breakers": InstagramIceBreakers(),
    "whatsapp_business_profile": WhatsAppBusinessProfile(),
    "x_profile": XProfile(),
}
