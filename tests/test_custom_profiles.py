"""X/Twitter custom profiles: terms accepted once, a privacy policy URL first, avatars checked by headers.

Real PNG and JPEG files come from Qt's encoders (tests may use Qt; the service reads the headers itself).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

from socialdesk.models.catalogue import Role, Visibility
from socialdesk.models.schema import AuditEntry, CustomProfile
from socialdesk.services import custom_profiles, settings
from socialdesk.services.custom_profiles import PNG_SIGNATURE, image_info
from socialdesk.services.errors import NotAllowedError, ValidationError
from socialdesk.services.rules import Actor
from socialdesk.services.workspace import Workspace
from tests import factory


def qt_image(path: Path, width: int, height: int) -> Path:
    """A real image file; Qt picks the encoder from the suffix (.png, .jpg, .jpeg)."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#3949AB"))
    assert image.save(str(path))
    return path


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def padded_png(path: Path, width: int, height: int, extra: int) -> Path:
    """A valid PNG made bigger by a text chunk (the way metadata bloats real files)."""
    rows = b"".join(b"\x00" + b"\x10\x20\x30" * width for _ in range(height))
    path.write_bytes(
        PNG_SIGNATURE
        + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + png_chunk(b"tEXt", b"Comment\x00" + b"x" * extra)
        + png_chunk(b"IDAT", zlib.compress(rows))
        + png_chunk(b"IEND", b"")
    )
    return path


def jpeg_header(width: int, height: int, sof: int = 0xC2, exif: int = 30_000) -> bytes:
    """A JPEG header as cameras write it: JFIF, a large EXIF block, tables, then a (progressive) frame."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    app1 = b"Exif\x00\x00" + b"\xff" * exif  # 0xFF bytes inside a segment must not confuse the parser
    dqt = b"\x00" + bytes(range(64))
    frame = struct.pack(">BHHB", 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"

    def seg(marker: int, body: bytes) -> bytes:
        return bytes((0xFF, marker)) + struct.pack(">H", len(body) + 2) + body

    return b"\xff\xd8" + seg(0xE0, app0) + seg(0xE1, app1) + seg(0xDB, dqt) + seg(sof, frame) + b"\xff\xd9"


# -- reading image headers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "size"), [("PNG", (48, 48)), ("PNG", (400, 300)), ("JPEG", (640, 640)), ("JPEG", (1000, 90))]
)
def test_reads_format_and_size_of_real_images(tmp_path: Path, fmt: str, size: tuple[int, int]) -> None:
    path = qt_image(tmp_path / f"a.{fmt.lower()}", *size)
    info = image_info(path.read_bytes())
    assert info is not None and (info.format, info.width, info.height) == (fmt, *size)


def test_reads_a_jpeg_frame_behind_metadata() -> None:
    info = image_info(jpeg_header(800, 600))
    assert info is not None and (info.format, info.width, info.height) == ("JPEG", 800, 600)
    baseline = image_info(jpeg_header(123, 45, sof=0xC0, exif=10))
    assert baseline is not None and (baseline.width, baseline.height) == (123, 45)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GIF89a\x01\x00\x01\x00",
        b"hello, this is text",
        PNG_SIGNATURE + b"\x00\x00\x00\x0dIHDX" + b"\x00" * 13,
        jpeg_header(10, 10)[:40],  # cut off before the frame
        b"\xff\xd8\xff\xda\x00\x08",  # scan before any frame header
    ],
)
def test_anything_else_is_not_an_image(data: bytes) -> None:
    assert image_info(data) is None


# -- the terms -------------------------------------------------------------------------------------


@dataclass
class XAccount:
    ws: Workspace
    admin: Actor
    other_admin: Actor
    manager: Actor
    profile_id: int


@pytest.fixture
def x_account(workspace: Workspace) -> XAccount:
    with workspace.session() as s:
        admin = factory.member(s, "Ada Admin", Role.ADMINISTRATOR, me=True)
        other = factory.member(s, "Bo Admin", Role.ADMINISTRATOR)
        manager = factory.member(s, "Max Manager", Role.MANAGER)
        p = factory.profile(s, "x", "account", owners=(admin,))
        return XAccount(workspace, factory.actor(admin), factory.actor(other), factory.actor(manager), p.id)


def ready(x: XAccount) -> None:
    """Terms accepted and a privacy policy URL set: what every custom profile needs."""
    with x.ws.session() as s:
        custom_profiles.accept_terms(s, x.admin)
        settings.save(s, x.admin, x.profile_id, {"privacy_policy_url": "https://www.example.com/privacy"})


def test_terms_are_accepted_once_with_date_and_member(x_account: XAccount) -> None:
    with x_account.ws.session() as s:
        assert custom_profiles.terms_acceptance(s) is None
        with pytest.raises(NotAllowedError, match="Only Administrators"):
            custom_profiles.accept_terms(s, x_account.manager)
        first = custom_profiles.accept_terms(s, x_account.admin)
        assert first.member_name == "Ada Admin" and first.member_id == x_account.admin.id
    with x_account.ws.session() as s:
        again = custom_profiles.accept_terms(s, x_account.other_admin)
        assert again == first == custom_profiles.terms_acceptance(s)
        assert s.query(AuditEntry).filter_by(action="custom_profile_terms_accepted").count() == 1


# -- adding and deleting ---------------------------------------------------------------------------


def test_add_list_and_delete(x_account: XAccount, tmp_path: Path) -> None:
    ready(x_account)
    source = qt_image(tmp_path / "barnaby.jpg", 400, 400)
    custom = custom_profiles.add(
        x_account.ws, x_account.admin, x_account.profile_id, " Barnaby  Smith ", source
    )
    assert custom.name == "Barnaby Smith"
    stored = custom_profiles.avatar_file(x_account.ws, custom)
    assert stored.parent == (x_account.ws.data_dir / "custom_profiles").resolve()
    assert stored.suffix == ".jpg" and stored.read_bytes() == source.read_bytes()
    source.unlink()  # the workspace keeps its own copy
    with x_account.ws.session() as s:
        listed = custom_profiles.list_custom_profiles(s, x_account.profile_id)
        assert [(c.id, c.name, c.created_by) for c in listed] == [
            (custom.id, "Barnaby Smith", x_account.admin.id)
        ]
    png = qt_image(tmp_path / "clara.png", 128, 96)
    second = custom_profiles.add(x_account.ws, x_account.admin, x_account.profile_id, "Clara", png)
    assert custom_profiles.avatar_file(x_account.ws, second).suffix == ".png"
    with pytest.raises(NotAllowedError):
        custom_profiles.delete(x_account.ws, x_account.manager, custom.id)
    assert stored.exists()
    assert custom_profiles.delete(x_account.ws, x_account.admin, custom.id) == "Barnaby Smith"
    assert not stored.exists()
    with x_account.ws.session() as s:
        assert [c.name for c in custom_profiles.list_custom_profiles(s, x_account.profile_id)] == ["Clara"]


def test_terms_and_privacy_policy_first_all_problems_at_once(x_account: XAccount, tmp_path: Path) -> None:
    avatar = qt_image(tmp_path / "a.png", 64, 64)
    with pytest.raises(ValidationError) as err:
        custom_profiles.add(x_account.ws, x_account.admin, x_account.profile_id, "n" * 51, avatar)
    assert [f for f, _ in err.value.problems] == ["terms", "privacy_policy_url", "name"]
    assert err.value.problems[2] == ("name", "At most 50 characters; this has 51")
    assert not (x_account.ws.data_dir / "custom_profiles").exists()


def test_oversized_avatar_refused(x_account: XAccount, tmp_path: Path) -> None:
    ready(x_account)
    big = padded_png(tmp_path / "big.png", 400, 400, 720 * 1024)
    info = image_info(big.read_bytes())
    assert info is not None and (info.width, info.height) == (400, 400)
    with pytest.raises(ValidationError) as err:
        custom_profiles.add(x_account.ws, x_account.admin, x_account.profile_id, "Barnaby", big)
    ((fld, message),) = err.value.problems
    assert fld == "avatar" and message.startswith("The image is ") and "at most 700 KB" in message
    just_fits = padded_png(tmp_path / "fits.png", 400, 400, 600 * 1024)
    assert just_fits.stat().st_size <= 700 * 1024
    custom_profiles.add(x_account.ws, x_account.admin, x_account.profile_id, "Barnaby", just_fits)


@pytest.mark.parametrize(("width", "height"), [(47, 200), (200, 47), (4097, 100)])
def test_avatar_dimensions_checked(x_account: XAccount, tmp_path: Path, width: int, height: int) -> None:
    ready(x_account)
    path = qt_image(tmp_path / "a.png", width, height)
    with pytest.raises(ValidationError) as err:
        custom_profiles.add(x_account.ws, x_account.admin, x_account.profile_id, "Clara", path)
    assert err.value.problems == [
        ("avatar", f"The image is {width}×{height} pixels; each side must be 48 to 4096 pixels")
    ]


def test_not_an_image_missing_file_and_duplicate_name(x_account: XAccount, tmp_path: Path) -> None:
    ready(x_account)
    fake = tmp_path / "fake.png"
    fake.write_text("not really a picture", encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        custom_profiles.add(x_account.ws, x_account.admin, x_account.profile_id, "", fake)
    assert err.value.problems == [
        ("name", "Enter the name replies will show"),
        ("avatar", "fake.png is not a PNG or JPEG image; choose a PNG or JPEG file"),
    ]
    with pytest.raises(ValidationError, match=r"Cannot read nope\.png"):
        custom_profiles.add(
            x_account.ws, x_account.admin, x_account.profile_id, "Clara", tmp_path / "nope.png"
        )
    ok = qt_image(tmp_path / "ok.png", 64, 64)
    custom_profiles.add(x_account.ws, x_account.admin, x_account.profile_id, "Clara", ok)
    with pytest.raises(ValidationError, match="already has a custom profile named 'clara'"):
        custom_profiles.add(x_account.ws, x_account.admin, x_account.profile_id, "clara", ok)


def test_only_owned_x_accounts(workspace: Workspace, tmp_path: Path) -> None:
    with workspace.session() as s:
        admin = factory.member(s, "Ada", Role.ADMINISTRATOR, me=True)
        fb = factory.profile(s, "facebook", "page", owners=(admin,))
        public = factory.profile(s, "x", "account", owners=(admin,), visibility=Visibility.PUBLIC)
        actor = factory.actor(admin)
        custom_profiles.accept_terms(s, actor)
    avatar = qt_image(tmp_path / "a.png", 64, 64)
    for pid in (fb.id, public.id):
        with pytest.raises(NotAllowedError, match="only for owned X/Twitter accounts"):
            custom_profiles.add(workspace, actor, pid, "Clara", avatar)


def test_privacy_policy_url_stays_while_custom_profiles_exist(x_account: XAccount, tmp_path: Path) -> None:
    ready(x_account)
    custom = custom_profiles.add(
        x_account.ws,
        x_account.admin,
        x_account.profile_id,
        "Clara",
        qt_image(tmp_path / "a.png", 64, 64),
    )
    with x_account.ws.session() as s, pytest.raises(ValidationError) as err:
        settings.save(s, x_account.admin, x_account.profile_id, {"privacy_policy_url": ""})
    assert err.value.problems == [
        (
            "privacy_policy_url",
            "The profile has 1 custom profile, which needs a privacy policy URL; "
            "delete it first or keep the URL",
        )
    ]
    custom_profiles.delete(x_account.ws, x_account.admin, custom.id)
    with x_account.ws.session() as s:
        saved = settings.save(s, x_account.admin, x_account.profile_id, {"privacy_policy_url": ""})
        assert saved.changed == ("privacy_policy_url",)
        assert s.query(CustomProfile).count() == 0
