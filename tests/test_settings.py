"""Configuration: source priority, errors naming key and file, secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from trackerguard.cli import main
from trackerguard.errors import ConfigError
from trackerguard.settings import load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("TRACKERGUARD_"):
            monkeypatch.delenv(name)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_priority_cli_over_env_over_file_over_pyproject(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.trackerguard]\ntracker = "redmine"\nfail_on = "info"\nquery = "pp"\n',
    )
    config = write(tmp_path / "trackerguard.toml", 'tracker = "github"\nfail_on = "warn"\n')
    settings = load_settings(None, cwd=tmp_path)
    assert (settings.tracker, settings.fail_on, settings.query) == ("github", "warn", "pp")
    monkeypatch.setenv("TRACKERGUARD_TRACKER", "jira")
    monkeypatch.setenv("TRACKERGUARD_JIRA__URL", "http://127.0.0.1:1")
    settings = load_settings(config, cwd=tmp_path)
    assert settings.tracker == "jira" and settings.jira.url == "http://127.0.0.1:1"
    settings = load_settings(config, {"tracker": "file"}, cwd=tmp_path)
    assert settings.tracker == "file"


def test_unknown_key_names_key_and_file(tmp_path: Path) -> None:
    config = write(tmp_path / "tg.toml", "[jira]\nurll = 'x'\n")
    with pytest.raises(ConfigError) as info:
        load_settings(config, cwd=tmp_path)
    assert "jira.urll" in str(info.value) and str(config) in str(info.value)
    assert "unknown key" in str(info.value)


def test_wrong_type_names_key_and_file(tmp_path: Path) -> None:
    config = write(tmp_path / "tg.toml", "[actions]\ngrace_hours = 'soon'\n")
    with pytest.raises(ConfigError) as info:
        load_settings(config, cwd=tmp_path)
    message = str(info.value)
    assert "actions.grace_hours" in message and str(config) in message


def test_error_in_pyproject_names_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.trackerguard]\nfail_on = 'sometimes'\n")
    with pytest.raises(ConfigError) as info:
        load_settings(None, cwd=tmp_path)
    assert "pyproject.toml [tool.trackerguard]" in str(info.value)
    assert "fail_on" in str(info.value)


def test_env_error_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKERGUARD_APPLY", "perhaps")
    with pytest.raises(ConfigError) as info:
        load_settings(None, cwd=tmp_path)
    assert "TRACKERGUARD_APPLY" in str(info.value)


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    config = write(tmp_path / "tg.toml", "tracker = \n")
    with pytest.raises(ConfigError) as info:
        load_settings(config, cwd=tmp_path)
    assert "invalid TOML" in str(info.value) and str(config) in str(info.value)


def test_secrets_refused_in_files(tmp_path: Path) -> None:
    config = write(tmp_path / "tg.toml", "[github]\ntoken = 'ghp_abc'\n")
    with pytest.raises(ConfigError) as info:
        load_settings(config, cwd=tmp_path)
    assert "TRACKERGUARD_GITHUB__TOKEN" in str(info.value)
    assert "ghp_abc" not in str(info.value)


@pytest.mark.parametrize(
    ("section", "url", "credential"),
    [
        ("jira", "https://bot%40acme.com:ATATT3x@acme.atlassian.net", "TRACKERGUARD_JIRA__TOKEN"),
        ("redmine", "https://redmine.example/?key=0123abcd", "TRACKERGUARD_REDMINE__API_KEY"),
        ("gitlab", "https://oauth2:glpat-xyz@gitlab.example", "TRACKERGUARD_GITLAB__TOKEN"),
        ("github", "https://ghp_abc123@ghe.example/api/v3", "TRACKERGUARD_GITHUB__TOKEN"),
    ],
)
def test_a_base_url_with_credentials_is_refused_in_files(
    tmp_path: Path, section: str, url: str, credential: str
) -> None:
    """``url = "https://bot:TOKEN@host"`` puts a secret in the config file by another name:
    refused like a ``token`` key, naming the key and where the credential belongs, and
    never repeating it."""
    key = "api_url" if section == "github" else "url"
    config = write(tmp_path / "tg.toml", f"[{section}]\n{key} = '{url}'\n")
    with pytest.raises(ConfigError) as info:
        load_settings(config, cwd=tmp_path)
    message = str(info.value)
    assert f"{config}: key '{section}.{key}'" in message and credential in message
    for secret in ("ATATT3x", "0123abcd", "glpat-xyz", "ghp_abc123"):
        assert secret not in message


def test_a_database_user_name_in_a_url_is_not_a_credential(tmp_path: Path) -> None:
    config = write(tmp_path / "tg.toml", "[service]\nqueue_url = 'postgresql://tg@db:5432/tg'\n")
    settings = load_settings(config, cwd=tmp_path)
    assert settings.masked()["service"]["queue_url"] == "postgresql://tg@db:5432/tg"


def test_config_shows_an_environment_url_without_its_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRACKERGUARD_JIRA__URL", "https://bot:ATATT3x@acme.atlassian.net")
    result = CliRunner().invoke(main, ["config", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "ATATT3x" not in result.stdout
    assert json.loads(result.stdout)["jira"]["url"] == "https://acme.atlassian.net"


@pytest.mark.parametrize(
    ("section", "expected"),
    [("paypal", "no installed tracker is named 'paypal'"), ("jira", "configured in [jira]")],
)
def test_a_trackers_section_no_installed_tracker_reads_is_refused(
    tmp_path: Path, section: str, expected: str
) -> None:
    """``[trackers.NAME]`` belongs to a tracker plugin; a typo or a plugin that is not
    installed would leave the section silently unused."""
    config = write(tmp_path / "tg.toml", f"[trackers.{section}]\nurl = 'https://x.example'\n")
    result = CliRunner().invoke(main, ["config", "--config", str(config)])
    assert result.exit_code == 2
    assert f"{config}: key 'trackers.{section}'" in result.stderr and expected in result.stderr


def test_secrets_from_env_and_secret_files_are_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_file = write(tmp_path / "jira-token", "s3cr3t-from-file\n")
    monkeypatch.setenv("TRACKERGUARD_JIRA__TOKEN_FILE", str(secret_file))
    monkeypatch.setenv("TRACKERGUARD_GITHUB__TOKEN", "ghp_from_env")
    settings = load_settings(None, cwd=tmp_path)
    assert settings.jira.token is not None
    assert settings.jira.token.get_secret_value() == "s3cr3t-from-file"
    dumped = json.dumps(settings.masked(), default=str)
    assert "s3cr3t" not in dumped and "ghp_from_env" not in dumped
    assert "s3cr3t" not in repr(settings) and "ghp_from_env" not in str(settings)
    result = CliRunner().invoke(main, ["config"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "ghp_from_env" not in result.stdout and "**********" in result.stdout


def test_paths_in_a_config_file_are_relative_to_it(tmp_path: Path) -> None:
    sub = tmp_path / "conf"
    sub.mkdir()
    config = write(sub / "tg.toml", "[file]\npath = 'data/backlog.yaml'\n")
    settings = load_settings(config, cwd=tmp_path)
    assert settings.file.path == (sub / "data" / "backlog.yaml").resolve()


def test_levels_must_be_two_or_more_and_unique(tmp_path: Path) -> None:
    config = write(tmp_path / "tg.toml", "[[levels]]\nname = 'only'\n")
    with pytest.raises(ConfigError) as info:
        load_settings(config, cwd=tmp_path)
    assert "levels" in str(info.value)


def test_init_writes_a_config_that_validates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    assert runner.invoke(main, ["init"]).exit_code == 2  # refuses to overwrite
    settings = load_settings(tmp_path / "trackerguard.toml", cwd=tmp_path)
    assert settings.tracker == "file" and [lvl.name for lvl in settings.levels][0] == "initiative"
    for tracker in ("jira", "github", "redmine"):
        assert runner.invoke(main, ["init", "--force", "--tracker", tracker]).exit_code == 0
        assert load_settings(tmp_path / "trackerguard.toml", cwd=tmp_path).tracker == tracker


@pytest.mark.parametrize(
    ("variable", "value", "section", "key", "expected"),
    [
        ("TRACKERGUARD_GITHUB__REPOS", "acme/web", "github", "repos", ["acme/web"]),
        ("TRACKERGUARD_GITHUB__REPOS", "acme/web, acme/api", "github", "repos",
         ["acme/web", "acme/api"]),
        ("TRACKERGUARD_GITHUB__REPOS", '["acme/web"]', "github", "repos", ["acme/web"]),
        ("TRACKERGUARD_GITLAB__PROJECTS", "[42, \"acme/web\"]", "gitlab", "projects",
         ["42", "acme/web"]),
        ("TRACKERGUARD_REDMINE__PROJECTS", "ops,web", "redmine", "projects", ["ops", "web"]),
        ("TRACKERGUARD_LINEAR__TEAMS", "ENG", "linear", "teams", ["ENG"]),
        ("TRACKERGUARD_JIRA__EXTRA_FIELDS", "customfield_1,customfield_2", "jira",
         "extra_fields", ["customfield_1", "customfield_2"]),
        ("TRACKERGUARD_SERVICE__TRACKERS", "github,jira", "service", "trackers",
         ["github", "jira"]),
        ("TRACKERGUARD_GRAPH__GOAL_LINK_TYPES", "implements, delivers", "graph",
         "goal_link_types", ["implements", "delivers"]),
    ],
)  # fmt: skip
def test_lists_of_names_come_from_the_environment_as_commas_or_json(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    section: str,
    key: str,
    expected: list[str],
) -> None:
    """``TRACKERGUARD_GITHUB__REPOS=acme/web`` is how CI sets it; the settings library reads
    list variables as JSON, and a plain name was an "unexpected SettingsError"."""
    monkeypatch.setenv(variable, value)
    settings = load_settings(None, cwd=tmp_path)
    assert getattr(getattr(settings, section), key) == expected


def test_a_table_from_the_environment_that_is_not_json_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKERGUARD_LEVELS", "goal,work-s3cr3t")
    with pytest.raises(ConfigError) as info:
        load_settings(None, cwd=tmp_path)
    message = str(info.value)
    assert message.startswith("environment variable TRACKERGUARD_LEVELS: key 'levels':")
    assert "JSON" in message and "s3cr3t" not in message


def test_a_bad_value_is_blamed_on_the_variable_that_overrides_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The environment wins over the file, so when both set the key the variable's value is
    the one that failed: the message must send the user there, not to a correct file."""
    config = write(tmp_path / "tg.toml", "apply = false\n[service]\nport = 8080\n")
    monkeypatch.setenv("TRACKERGUARD_APPLY", "maybe")
    monkeypatch.setenv("TRACKERGUARD_SERVICE__PORT", "eighty")
    with pytest.raises(ConfigError) as info:
        load_settings(config, cwd=tmp_path)
    message = str(info.value)
    assert "environment variable TRACKERGUARD_APPLY: key 'apply'" in message
    assert "environment variable TRACKERGUARD_SERVICE__PORT: key 'service.port'" in message
    assert str(config) not in message
