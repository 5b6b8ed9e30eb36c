"""Installing SocialDesk as a desktop app: the wheel that ``pipx install .`` installs, the desktop entry
and icon, and the version shown by ``socialdesk --version``."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import socialdesk
from socialdesk.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel from a copy of the source tree (building in place would leave build/ behind)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "socialdesk", src / "socialdesk", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run(
        [*build, "-w", str(out), str(src)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    (built,) = out.glob("socialdesk-*.whl")
    return built


def test_wheel_has_the_entry_point_desktop_file_icon_and_migrations(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        parser = configparser.ConfigParser()
        parser.read_string(archive.read(entry_points).decode())
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert parser["console_scripts"]["socialdesk"] == "socialdesk.cli:main"
    assert "socialdesk/resources/desktop/socialdesk.desktop" in names
    assert "socialdesk/resources/desktop/socialdesk.svg" in names
    assert "socialdesk/migrations/env.py" in names
    assert any(n.startswith("socialdesk/migrations/versions/0001_") for n in names)
    assert any(n.startswith("socialdesk/resources/icons/platforms/") for n in names)
    assert "socialdesk/resources/i18n/socialdesk_en.qm" in names  # the plural forms (ui/i18n.py)
    assert f"Version: {socialdesk.__version__}" in metadata
    assert not any(n.startswith("tests/") or n.startswith("benchmarks/") for n in names)


def test_version_option_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"socialdesk {socialdesk.__version__}"
    assert socialdesk.__version__ not in ("", "0+unknown")


def test_version_and_desktop_entry_need_no_workspace(tmp_path: Path) -> None:
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "share"))
    script = Path(sys.executable).with_name("socialdesk")
    version = subprocess.run([str(script), "--version"], capture_output=True, text=True, env=env, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("socialdesk ")
    result = subprocess.run(
        [str(script), "--data-dir", str(tmp_path / "no-workspace"), "install-desktop-entry"],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "no-workspace").exists()
    entry = tmp_path / "share" / "applications" / "socialdesk.desktop"
    icon = tmp_path / "share" / "icons" / "hicolor" / "scalable" / "apps" / "socialdesk.svg"
    assert icon.read_bytes().startswith(b"<svg")
    desktop = configparser.ConfigParser(interpolation=None)
    desktop.optionxform = str  # type: ignore[assignment, method-assign]
    desktop.read(entry, encoding="utf-8")
    section = desktop["Desktop Entry"]
    assert section["Type"] == "Application" and section["Icon"] == "socialdesk"
    assert section["Exec"] == str(script.resolve())  # this install's launcher, absolute
    assert Path(section["Exec"]).is_file()
    validator = shutil.which("desktop-file-validate")
    assert validator, "desktop-file-validate is missing (scripts/setup.sh installs desktop-file-utils)"
    check = subprocess.run([validator, str(entry)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0 and not check.stdout.strip(), check.stdout + check.stderr


def test_desktop_entry_reports_an_unwritable_place_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["install-desktop-entry", "--data-home", str(blocker)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "could not write the desktop entry" in err
