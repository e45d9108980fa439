from __future__ import annotations

from pathlib import Path

import pytest

from privet.config import Settings
from privet.kit.errors import ConfigurationError, WorkspaceError
from privet.kit.workspace import Workspace


def test_directory_beats_environment_beats_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PRIVET_DIR", str(tmp_path / "b"))
    assert Workspace.find(tmp_path / "a").root == tmp_path / "a"
    assert Workspace.find().root == tmp_path / "b"
    monkeypatch.delenv("PRIVET_DIR")
    assert Workspace.find().root == tmp_path


def test_manifest_is_the_privacy_folder_or_privet_yaml(tmp_path: Path) -> None:
    assert Workspace.find(tmp_path).manifest_path == tmp_path / "privacy"
    (tmp_path / "privet.yaml").write_text("{}")
    assert Workspace.find(tmp_path).manifest_path == tmp_path / "privet.yaml"
    (tmp_path / "privacy").mkdir()
    assert Workspace.find(tmp_path).manifest_path == tmp_path / "privacy"


def test_settings_file_is_read_and_environment_wins(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "privet.toml").write_text('manifest = "policy/main.yaml"\nconnect_timeout = 3\n')
    monkeypatch.delenv("PRIVET_CONNECT_TIMEOUT", raising=False)
    workspace = Workspace.find(tmp_path)
    assert workspace.manifest_path == tmp_path / "policy" / "main.yaml"
    assert workspace.settings.connect_timeout == 3
    monkeypatch.setenv("PRIVET_CONNECT_TIMEOUT", "20")
    assert Workspace.find(tmp_path, Settings()).settings.connect_timeout == 20


def test_broken_settings_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "privet.toml").write_text("connect_timeout = = 3\n")
    with pytest.raises(ConfigurationError, match=r"privet\.toml"):
        Workspace.find(tmp_path)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="does not exist"):
        Workspace.find(tmp_path / "nope")


def test_a_file_section_and_an_environment_secret_make_one_setting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "privet.toml").write_text(
        '[smtp]\nhost = "mail.example.com"\nsender = "privacy@example.com"\n')
    monkeypatch.setenv("PRIVET_SMTP__PASSWORD", "from-the-environment")
    smtp = Workspace.find(tmp_path).settings.smtp
    assert smtp is not None and smtp.host == "mail.example.com"
    assert smtp.password is not None
    assert smtp.password.get_secret_value() == "from-the-environment"


def test_invalid_settings_are_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "privet.toml").write_text('connect_timeout = "soon"\n')
    with pytest.raises(ConfigurationError, match="connect_timeout"):
        Workspace.find(tmp_path)
