"""A third-party tracker's secrets get the built-ins' protection.

``[trackers.NAME]`` is validated as the plugin's own settings model, so a ``SecretStr`` field
is refused in config files, read from ``TRACKERGUARD_TRACKERS__NAME__KEY`` or its ``_FILE``
twin, and masked by ``trackerguard config``; unknown keys name the file.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from trackerguard.cli import main

TOKEN = "vault-token-5f1c9e"

PLUGIN = '''
"""Test tracker 'vault': the file tracker that insists on a token."""

from pydantic import SecretStr

from trackerguard import hookimpl
from trackerguard.errors import TrackerError
from trackerguard.plugins.file.adapter import FileAdapter
from trackerguard.plugins.file.settings import FileSettings


class VaultSettings(FileSettings):
    token: SecretStr | None = None
    api_url: str = "https://vault.example"


class VaultAdapter(FileAdapter):
    name = "vault"
    Settings = VaultSettings

    def check_connection(self) -> None:
        token = self.settings.token
        if token is None or token.get_secret_value() != "vault-token-5f1c9e":
            raise TrackerError("vault: wrong or missing token")
        super().check_connection()


@hookimpl
def trackerguard_register_trackers(register):
    register("vault", VaultAdapter)
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "vault.py").write_text(textwrap.dedent(PLUGIN))
    (tmp_path / "backlog.json").write_text(
        json.dumps({"items": [{"key": "E-1", "type": "Epic", "title": "Goal", "assignee": "a"}]})
    )
    return tmp_path


def configure(project: Path, extra: str = "") -> Path:
    config = project / "trackerguard.toml"
    config.write_text(
        'tracker = "vault"\nstate_path = "state.db"\nplugins_dir = "plugins"\n'
        f'[trackers.vault]\npath = "{project / "backlog.json"}"\n{extra}'
    )
    return config


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert "Traceback" not in result.output + result.stderr, result.stderr
    return result


def test_a_plugin_secret_in_the_config_file_is_refused(project: Path) -> None:
    config = configure(project, f'token = "{TOKEN}"\n')
    result = invoke("config", "--config", str(config))
    assert result.exit_code == 2
    assert str(config) in result.stderr and "'trackers.vault.token' holds a secret" in result.stderr
    assert "TRACKERGUARD_TRACKERS__VAULT__TOKEN_FILE" in result.stderr
    assert TOKEN not in result.output + result.stderr


def test_a_plugin_secret_from_a_file_reaches_the_adapter(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = project / "vault-token"
    secret.write_text(TOKEN + "\n")
    monkeypatch.setenv("TRACKERGUARD_TRACKERS__VAULT__TOKEN_FILE", str(secret))
    result = invoke("check", "--config", str(configure(project)), "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    assert json.loads(result.stdout)["summary"]["items"] == 1


def test_without_the_secret_the_adapter_says_so(project: Path) -> None:
    result = invoke("check", "--config", str(configure(project)))
    assert result.exit_code == 3 and "wrong or missing token" in result.stderr


@pytest.mark.parametrize("via_file", [False, True])
def test_config_masks_a_plugin_secret(
    project: Path, monkeypatch: pytest.MonkeyPatch, via_file: bool
) -> None:
    if via_file:
        secret = project / "vault-token"
        secret.write_text(TOKEN)
        monkeypatch.setenv("TRACKERGUARD_TRACKERS__VAULT__TOKEN_FILE", str(secret))
    else:
        monkeypatch.setenv("TRACKERGUARD_TRACKERS__VAULT__TOKEN", TOKEN)
    for fmt in ("json", "toml"):
        result = invoke("config", "--config", str(configure(project)), "--format", fmt)
        assert result.exit_code == 0, result.stderr
        assert TOKEN not in result.output
    shown = json.loads(invoke("config", "--config", str(configure(project))).stdout)
    assert shown["trackers"]["vault"]["token"] == "**********"
    assert shown["trackers"]["vault"]["api_url"] == "https://vault.example", "defaults filled in"


def test_unknown_and_mistyped_plugin_keys_name_the_file(project: Path) -> None:
    config = configure(project, 'api_ulr = "https://x"\n')
    result = invoke("config", "--config", str(config))
    assert result.exit_code == 2
    assert f"{config}: key 'trackers.vault.api_ulr': unknown key" in result.stderr
    config = configure(project, "api_url = 5\n")
    result = invoke("config", "--config", str(config))
    assert result.exit_code == 2 and "key 'trackers.vault.api_url'" in result.stderr


def test_an_invalid_secret_is_named_but_never_echoed(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "plugins" / "vault.py").write_text(
        textwrap.dedent(PLUGIN)
        .replace("from pydantic import SecretStr", "from pydantic import Field, SecretStr")
        .replace("token: SecretStr | None = None", "token: SecretStr = Field(min_length=40)")
    )
    monkeypatch.setenv("TRACKERGUARD_TRACKERS__VAULT__TOKEN", TOKEN)
    result = invoke("config", "--config", str(configure(project)))
    assert result.exit_code == 2
    assert "key 'trackers.vault.token'" in result.stderr and "at least 40" in result.stderr
    assert TOKEN not in result.output + result.stderr
