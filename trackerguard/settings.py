"""Configuration: one typed model fed by CLI flags, environment, ``trackerguard.toml`` and
``[tool.trackerguard]`` in ``pyproject.toml`` (in that priority order), via pydantic-settings.

Why a custom loader around ``BaseSettings``: a user who mistypes a key must be told *which
key in which file* is wrong, not shown a merged-model traceback. After a failed validation
we look the error's key path up in each source, highest priority first, and name the source
that supplied it. Secrets are ``SecretStr`` and may only come from the environment or from
secret files (``TRACKERGUARD_JIRA__TOKEN_FILE=/run/secrets/jira``); a secret written into a
config file is refused, so tokens never end up in a repository.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from trackerguard.adapter import NameList
from trackerguard.cross_tracker import DEFAULT_GOAL_LINK
from trackerguard.errors import ConfigError
from trackerguard.levels import DEFAULT_LEVELS, LevelConfig
from trackerguard.model import Severity
from trackerguard.plugins.file.settings import FileSettings
from trackerguard.plugins.github.settings import GitHubSettings
from trackerguard.plugins.gitlab.settings import GitLabSettings
from trackerguard.plugins.jira.settings import JiraSettings
from trackerguard.plugins.linear.settings import LinearSettings
from trackerguard.plugins.redmine.settings import RedmineSettings
from trackerguard.service.settings import ServiceSettings
from trackerguard.status import StatusConfig
from trackerguard.text.config import TextAnalysisConfig
from trackerguard.urls import has_credentials, redact_text
from trackerguard.waivers import WaiverSyntaxError, check_accountable

ENV_PREFIX = "TRACKERGUARD_"
CONFIG_FILENAME = "trackerguard.toml"
Mode = Literal["observe", "comment", "label", "block"]
FailOn = Literal["info", "warn", "block", "never"]


class RuleConfig(BaseModel):
    """``[rules.TGxxx]``: generic keys here; any other key is a rule option, validated
    against the rule's own ``Options`` model when the engine is built."""

    model_config = ConfigDict(extra="allow")

    enabled: bool = True
    severity: Severity | None = None
    mode: Mode | None = None

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class GraphConfig(BaseModel):
    """``[graph]``: how work reaches goals."""

    model_config = ConfigDict(extra="forbid")

    goal_link_types: NameList = Field(
        default_factory=lambda: ["implements", "contributes to", "part of"]
    )
    default_level: str | None = None
    """Level for items whose type/labels match no level (default: ignored)."""
    max_fetch_rounds: int = Field(default=6, ge=0, le=50)
    """How many rounds of batch look-ups follow parents/links outside the scanned set."""


class GoalTrackerConfig(BaseModel):
    """``[[goal_trackers]]``: another tracker whose goals the scanned work may serve, named by
    URL (``Implements: https://acme.atlassian.net/browse/ACME-5``); see
    ``trackerguard.cross_tracker``. That tracker's own section (``[jira]``…) configures it."""

    model_config = ConfigDict(extra="forbid")

    tracker: str
    link_pattern: str = DEFAULT_GOAL_LINK
    """A regular expression with a group ``url`` matched in descriptions."""
    fields: list[str] = Field(default_factory=list)
    """Item fields whose value is (or holds) a goal URL."""

    @field_validator("link_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        if "url" not in compiled.groupindex:
            raise ValueError("the pattern needs a named group 'url', e.g. (?P<url>https?://\\S+)")
        return value


class ActionsConfig(BaseModel):
    """``[actions]``: what acting means (the comment contract, labels, grace)."""

    model_config = ConfigDict(extra="forbid")

    label: str = "trackerguard"
    skip_label: str = "trackerguard:skip"
    grace_hours: float = Field(default=24.0, ge=0)
    resolved: Literal["note", "delete"] = "note"
    docs_url: str = "https://github.com/trackerguard/trackerguard/blob/main/docs/rules.md"
    summary_issue: bool = False
    """Keep one issue, edited in place on every ``check --apply``, holding the Markdown
    report and the trend (``docs/governance.md``)."""
    summary_issue_title: str = "trackerguard: strategy health"
    summary_issue_label: str = "trackerguard:summary"
    """The label that finds the summary issue again (it also carries ``skip_label``, so the
    summary issue is never judged itself)."""
    max_consecutive_failures: int = Field(default=5, ge=0)
    """Circuit breaker: after this many writes in a row failed, stop writing for the run
    (the rest are reported as not done); 0 never stops."""


class CustomRuleConfig(BaseModel):
    """``[[custom_rules]]``: a declarative rule written as CEL expressions."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    level: list[str] = Field(default_factory=list)
    condition: str = "true"
    require: str
    severity: Severity = Severity.WARN
    message: str
    hint: str = ""

    @field_validator("level", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class WaiverPolicy(BaseModel):
    """``[waiver_policy]``: how waivers may be declared (see ``trackerguard.waivers``)."""

    model_config = ConfigDict(extra="forbid")

    allow_permanent: bool = False
    """Allow waivers without an owner or an expiry date (off: every exception is someone's
    decision and comes back on its own)."""
    label: str = "trackerguard:waiver"
    """The label that makes trackerguard read waiver lines on an item."""


class WaiverConfig(BaseModel):
    """``[[waivers]]``: exempt items (by key or query) from rules, with owner and expiry."""

    model_config = ConfigDict(extra="forbid")

    items: list[str] = Field(default_factory=list)
    query: str | None = None
    rules: list[str] = Field(default_factory=lambda: ["*"])
    owner: str | None = None
    reason: str
    expires: date | None = None

    @field_validator("items", "rules", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _names_items(self) -> WaiverConfig:
        if not self.items and not self.query:
            raise ValueError("a waiver needs 'items' or 'query'")
        if not self.rules:
            raise ValueError("'rules' is empty (use [\"*\"] for every rule)")
        return self


class Settings(BaseSettings):
    """The effective configuration of one run (see ``docs/configuration.md``)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    tracker: str = "file"
    query: str | None = None
    apply: bool = False
    fail_on: FailOn = "block"
    state_path: Path = Path(".trackerguard/state.db")
    plugins_dir: Path | None = None

    levels: list[LevelConfig] = Field(default_factory=lambda: list(DEFAULT_LEVELS))
    graph: GraphConfig = Field(default_factory=GraphConfig)
    status: StatusConfig = Field(default_factory=StatusConfig)
    rules: dict[str, RuleConfig] = Field(default_factory=dict)
    actions: ActionsConfig = Field(default_factory=ActionsConfig)
    text: TextAnalysisConfig = Field(default_factory=TextAnalysisConfig)
    custom_rules: list[CustomRuleConfig] = Field(default_factory=list)
    waiver_policy: WaiverPolicy = Field(default_factory=WaiverPolicy)
    waivers: list[WaiverConfig] = Field(default_factory=list)
    goal_trackers: list[GoalTrackerConfig] = Field(default_factory=list)

    file: FileSettings = Field(default_factory=FileSettings)
    jira: JiraSettings = Field(default_factory=JiraSettings)
    github: GitHubSettings = Field(default_factory=GitHubSettings)
    redmine: RedmineSettings = Field(default_factory=RedmineSettings)
    gitlab: GitLabSettings = Field(default_factory=GitLabSettings)
    linear: LinearSettings = Field(default_factory=LinearSettings)
    trackers: dict[str, Any] = Field(default_factory=dict)
    """Sections of third-party tracker adapters (``[trackers.NAME]``): tables as read, then
    each one validated as its adapter's own ``Settings`` model once the plugins are loaded
    (see :func:`load_settings`'s ``tracker_models``), so its secrets are protected too."""
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    _files: tuple[tuple[str, dict[str, Any]], ...] = PrivateAttr(default=())
    """(label, data) of the config files this was loaded from, highest priority first."""

    def source_of(self, path: Sequence[str | int]) -> str:
        """Where the setting at ``path`` comes from, for error messages: the config file (or
        ``pyproject.toml [tool.trackerguard]``) that holds it or its nearest table, else the
        environment variable, else "configuration" (a default). The environment wins over
        the files, as it does when the settings are read."""
        exact = _env_name(path)
        if any(name.upper() == exact for name in os.environ):
            return f"environment variable {exact}"
        for label, data in self._files:
            if _lookup(data, path):
                return label
        for depth in range(len(path) - 1, 0, -1):
            for label, data in self._files:
                if _lookup(data, path[:depth]):
                    return label
        prefix = _env_name(path[:1])
        if any(name.upper().startswith(prefix) for name in os.environ):
            return f"environment variable {_env_name(path)}"
        return "configuration"

    def source_of_value(self, key: str, value: object) -> str:
        """Where the top-level setting ``key`` holding ``value`` came from: the config file
        that sets it to that value, else its environment variable, else the command line
        (``--tracker`` and the like override both without being recorded here)."""
        for label, data in self._files:
            if data.get(key) == value:
                return label
        name = _env_name((key,))
        if any(env.upper() == name and given == value for env, given in os.environ.items()):
            return f"environment variable {name}"
        return "command line"

    @field_validator("rules", mode="before")
    @classmethod
    def _rule_ids_upper(cls, value: Any) -> Any:
        """Rule ids are upper case; environment variables arrive lower-cased
        (``TRACKERGUARD_RULES__TG103__MODE`` → ``rules.tg103``)."""
        if isinstance(value, Mapping):
            return {str(key).upper(): entry for key, entry in value.items()}
        return value

    @field_validator("levels")
    @classmethod
    def _levels_valid(cls, value: list[LevelConfig]) -> list[LevelConfig]:
        if len(value) < 2:
            raise ValueError("at least two levels are needed (goals above, work below)")
        names = [level.name for level in value]
        if len(set(names)) != len(names):
            raise ValueError(f"level names must be unique, got {names}")
        return value

    @field_validator("trackers")
    @classmethod
    def _tracker_tables(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name, section in value.items():
            if not isinstance(section, Mapping | BaseModel):
                raise ValueError(f"[trackers.{name}] must be a table, got {section!r}")
        return value

    @field_validator("waivers")
    @classmethod
    def _waivers_accountable(
        cls, value: list[WaiverConfig], info: ValidationInfo
    ) -> list[WaiverConfig]:
        policy = info.data.get("waiver_policy") or WaiverPolicy()
        for index, waiver in enumerate(value):
            try:
                check_accountable(
                    waiver.owner or "",
                    waiver.reason,
                    waiver.expires,
                    allow_permanent=policy.allow_permanent,
                )
            except WaiverSyntaxError as exc:
                raise ValueError(f"waiver {index} ({_waiver_target(waiver)}): {exc}") from None
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        files = _FILES.get()
        sources: list[PydanticBaseSettingsSource] = [
            init_settings,
            _EnvWithoutSecretFiles(settings_cls),
        ]
        sources.extend(_DictSource(settings_cls, data) for _, data in files)
        return tuple(sources)

    # -- helpers used across the engine ---------------------------------------------------
    def tracker_section(self, name: str) -> Any:
        """The config section of tracker ``name`` (built-in attribute or ``[trackers.NAME]``)."""
        if is_builtin_tracker_section(name):
            return getattr(self, name)
        return self.trackers.get(name, {})

    def rule_config(self, rule_id: str) -> RuleConfig:
        return self.rules.get(rule_id) or RuleConfig()

    def masked(self) -> dict[str, Any]:
        """The effective configuration as plain data, secrets masked (``trackerguard config``)."""
        masked: dict[str, Any] = _mask(self.model_dump(mode="python"))
        return masked


_NOT_TRACKERS = frozenset(
    {
        "tracker",
        "query",
        "apply",
        "fail_on",
        "state_path",
        "plugins_dir",
        "levels",
        "graph",
        "status",
        "rules",
        "actions",
        "text",
        "custom_rules",
        "waiver_policy",
        "waivers",
        "goal_trackers",
        "trackers",
        "service",
    }
)


def is_builtin_tracker_section(name: str) -> bool:
    """Whether ``name`` is a built-in tracker with its own top-level section (``[jira]``),
    as opposed to a third-party one under ``[trackers.NAME]``."""
    return name in Settings.model_fields and name not in _NOT_TRACKERS


def _waiver_target(waiver: WaiverConfig) -> str:
    return ", ".join(waiver.items) if waiver.items else f"query {waiver.query!r}"


def _urls_with_credentials(
    data: Any, where: tuple[str | int, ...] = ()
) -> list[tuple[str | int, ...]]:
    """Key paths of the string values in ``data`` that are URLs carrying credentials
    (``https://bot:TOKEN@host``, ``?private_token=…``): a secret written into a config file
    by way of a base URL, which the secrets check by key name would not see."""
    if isinstance(data, str):
        return [where] if "://" in data and has_credentials(data) else []
    if isinstance(data, Mapping):
        items: Any = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return []
    return [path for key, value in items for path in _urls_with_credentials(value, (*where, key))]


def _credentials_in_url_message(
    label: str, where: tuple[str | int, ...], secrets: Sequence[tuple[str, ...]]
) -> str:
    """Name the key and where its credential belongs: the token (not the webhook secret)
    of the section that holds the URL."""
    credential = next(
        (
            path
            for path in secrets
            if path[:-1] == tuple(where[: len(path) - 1]) and "secret" not in path[-1]
        ),
        None,
    )
    instead = (
        f"set {_env_name(credential)} (or {_env_name(credential)}_FILE) instead"
        if credential
        else "leave the credentials out"
    )
    dotted = ".".join(str(part) for part in where)
    return (
        f"{label}: key '{dotted}' is a URL with credentials in it (user:password@ or a token "
        f"parameter); config files must not contain secrets: keep the URL bare and {instead}"
    )


def _mask(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return "**********" if value.get_secret_value() else ""
    if isinstance(value, str) and "://" in value and has_credentials(value):
        return redact_text(value)  # a URL from the environment, shown without its secret
    if isinstance(value, Mapping):
        return {k: _mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


class _EnvWithoutSecretFiles(EnvSettingsSource):
    """The environment, minus ``…_FILE`` variables (the loader reads those files itself)."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        names = {_env_name(path).lower() + "_file" for path in _SECRETS.get()}
        return {k: v for k, v in super()._load_env_vars().items() if k.lower() not in names}


class _DictSource(PydanticBaseSettingsSource):
    """A settings source serving data already read (and checked) from one file."""

    def __init__(self, settings_cls: type[BaseSettings], data: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self._data = data

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._data)


# (label, data) of each config file, highest priority first, for the current load.
_FILES: ContextVar[tuple[tuple[str, dict[str, Any]], ...]] = ContextVar("_FILES", default=())
# Key paths of every secret the current load knows (built-in and plugin trackers).
_SECRETS: ContextVar[tuple[tuple[str, ...], ...]] = ContextVar("_SECRETS", default=())

_PATH_KEYS: tuple[tuple[str, ...], ...] = (
    ("state_path",),
    ("plugins_dir",),
    ("file", "path"),
    ("service", "queue_path"),
)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None


def _relative_paths(data: dict[str, Any], base: Path) -> None:
    """Paths in a config file are relative to that file, not to the working directory."""
    for key_path in _PATH_KEYS:
        parent: Any = data
        for key in key_path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        leaf = key_path[-1]
        if isinstance(parent, dict) and isinstance(parent.get(leaf), str):
            candidate = Path(parent[leaf]).expanduser()
            if not candidate.is_absolute():
                parent[leaf] = str((base / candidate).resolve())


def _secret_paths(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Key paths of every ``SecretStr`` field (to refuse them in files, accept ``_FILE`` env)."""
    found: list[tuple[str, ...]] = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        path = (*prefix, name)
        if annotation is SecretStr or annotation == (SecretStr | None):
            found.append(path)
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found.extend(_secret_paths(annotation, path))
    return found


def _lookup(data: Mapping[str, Any], path: Sequence[str | int]) -> bool:
    current: Any = data
    for key in path:
        in_mapping = isinstance(current, Mapping) and key in current
        in_list = isinstance(current, list) and isinstance(key, int) and key < len(current)
        if not (in_mapping or in_list):
            return False
        current = current[key]
    return True


def _env_name(path: Sequence[str | int]) -> str:
    return ENV_PREFIX + "__".join(str(part) for part in path).upper()


def all_secret_paths(
    tracker_models: Mapping[str, type[BaseModel]] | None = None,
) -> tuple[tuple[str, ...], ...]:
    """Key paths of every secret: the built-in sections' and, under ``trackers.NAME``, those
    of each third-party tracker's own settings model."""
    found = list(_secret_paths(Settings))
    for name, model in (tracker_models or {}).items():
        found.extend(("trackers", name, *path) for path in _secret_paths(model))
    return tuple(found)


def plugin_tracker_models(
    adapters: Mapping[str, Any],
) -> dict[str, type[BaseModel]]:
    """The settings model of each registered tracker that lives under ``[trackers.NAME]``
    (every one whose name is not a built-in section)."""
    models: dict[str, type[BaseModel]] = {}
    for name in adapters:  # names first: a built-in tracker's class is never imported here
        if is_builtin_tracker_section(name):
            continue
        model = getattr(adapters[name], "Settings", None)
        if isinstance(model, type) and issubclass(model, BaseModel):
            models[name] = model
    return models


def check_tracker_sections(settings: Settings, adapters: Mapping[str, Any]) -> None:
    """Refuse a ``[trackers.NAME]`` section that no installed tracker reads: a typo or a
    missing plugin would otherwise leave its settings silently unused. A built-in tracker's
    section is ``[NAME]`` itself, never ``[trackers.NAME]``."""
    for name in sorted(settings.trackers):
        where = f"{settings.source_of(('trackers', name))}: key 'trackers.{name}'"
        if is_builtin_tracker_section(name):
            raise ConfigError(f"{where}: the built-in '{name}' tracker is configured in [{name}]")
        if name not in adapters:
            installed = ", ".join(sorted(adapters)) or "none"
            raise ConfigError(
                f"{where}: no installed tracker is named '{name}' (installed: {installed}; "
                "a tracker plugin's package, or its file in plugins_dir, must be installed)"
            )


def _secret_files_from_env(
    environ: Mapping[str, str], secrets: Sequence[tuple[str, ...]]
) -> dict[str, Any]:
    """``TRACKERGUARD_X__TOKEN_FILE=/path`` → ``{"x": {"token": <file content>}}``."""
    overrides: dict[str, Any] = {}
    for path in secrets:
        variable = _env_name(path) + "_FILE"
        file_name = environ.get(variable)
        if not file_name:
            continue
        try:
            secret = Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{variable}: cannot read secret file: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ConfigError(
                f"{variable}: the secret file '{file_name}' is not UTF-8 text (a token, key or "
                "password file holds text)"
            ) from None
        node = overrides
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = secret
    return overrides


def find_config_file(start: Path | None = None) -> Path | None:
    """``./trackerguard.toml`` (or ``$TRACKERGUARD_CONFIG``), if present."""
    explicit = os.environ.get(ENV_PREFIX + "CONFIG")
    if explicit:
        return Path(explicit)
    candidate = (start or Path.cwd()) / CONFIG_FILENAME
    return candidate if candidate.is_file() else None


def load_settings(
    config_file: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    cwd: Path | None = None,
    use_pyproject: bool = True,
    tracker_models: Mapping[str, type[BaseModel]] | None = None,
) -> Settings:
    """Build the effective settings; raise :class:`ConfigError` naming key and source.

    :param tracker_models: the settings model of each third-party tracker (known once the
        plugins are loaded, see :func:`plugin_tracker_models`): its ``[trackers.NAME]``
        section is validated as that model, its secrets refused in files, read from
        ``TRACKERGUARD_TRACKERS__NAME__KEY`` or ``…_FILE`` and masked like the built-ins'.
    """
    cwd = cwd or Path.cwd()
    files: list[tuple[str, dict[str, Any]]] = []
    path = config_file if config_file is not None else find_config_file(cwd)
    if path is not None:
        data = _read_toml(path)
        _relative_paths(data, path.resolve().parent)
        files.append((str(path), data))
    pyproject = cwd / "pyproject.toml"
    if use_pyproject and pyproject.is_file():
        table = _read_toml(pyproject).get("tool", {}).get("trackerguard")
        if isinstance(table, dict):
            _relative_paths(table, cwd.resolve())
            files.append((f"{pyproject} [tool.trackerguard]", table))
    secrets = all_secret_paths(tracker_models)
    for label, data in files:
        for secret in secrets:
            if _lookup(data, secret):
                dotted = ".".join(secret)
                raise ConfigError(
                    f"{label}: key '{dotted}' holds a secret; config files must not contain "
                    f"secrets: set {_env_name(secret)} or {_env_name(secret)}_FILE instead"
                )
        for where in _urls_with_credentials(data):
            raise ConfigError(_credentials_in_url_message(label, where, secrets))
    init: dict[str, Any] = _secret_files_from_env(os.environ, secrets)
    for key, value in (overrides or {}).items():
        if value is not None:
            init[key] = value
    token = _FILES.set(tuple(files))
    secrets_token = _SECRETS.set(secrets)
    try:
        settings = Settings(**init)
        settings._files = tuple(files)
        for name, model in (tracker_models or {}).items():
            section = settings.trackers.get(name)
            if isinstance(section, Mapping):
                try:
                    settings.trackers[name] = model.model_validate(dict(section))
                except ValidationError as exc:
                    raise ConfigError(_explain(exc, files, init, ("trackers", name))) from None
        return settings
    except ValidationError as exc:
        raise ConfigError(_explain(exc, files, init)) from None
    except SettingsError as exc:
        raise ConfigError(_undecodable_environment(exc)) from None
    finally:
        _SECRETS.reset(secrets_token)
        _FILES.reset(token)


def _undecodable_environment(exc: SettingsError) -> str:
    """The settings library reads a list or table from the environment as JSON and fails on
    anything else ("error parsing value for field 'levels'"): name the variables that feed
    that key (never their values, which may be secrets) and say how to write one."""
    match = re.search(r'field "(\w+)"', str(exc))
    field = match.group(1) if match else ""
    prefix = _env_name((field,)) if field else ENV_PREFIX
    names = sorted(
        name
        for name in os.environ
        if name.upper() == prefix or name.upper().startswith(prefix + "__")
    )
    shown = ", ".join(names) or f"{prefix}…"
    return (
        f"environment variable {shown}: key '{field or '?'}': a list or table given in the "
        "environment must be JSON, e.g. "
        f"""{ENV_PREFIX}LEVELS='[{{"name": "goal", "types": ["Epic"]}}, {{"name": "work"}}]'"""
        " (lists of names also take commas: TRACKERGUARD_GITHUB__REPOS=acme/web,acme/api)"
    )


def _source_of_error(
    loc: Sequence[str | int],
    files: Sequence[tuple[str, dict[str, Any]]],
    init: Mapping[str, Any],
) -> str:
    """Where the failing value came from, in the order the settings are read: the command
    line, then the key's own environment variable (it wins over the files), then the file
    holding the key, then another variable of the same section, then the file holding the
    nearest enclosing table (a missing key is in no file)."""
    if _lookup(init, loc):
        return "command line"
    variable = _env_name(loc)
    if any(name.upper() == variable for name in os.environ):
        return f"environment variable {variable}"
    exact = next((label for label, data in files if _lookup(data, loc)), None)
    if exact is not None:
        return exact
    if any(name.startswith(_env_name(loc[:1])) for name in os.environ):
        return f"environment variable {variable}"
    for depth in range(len(loc) - 1, 0, -1):
        owner = next((label for label, data in files if _lookup(data, loc[:depth])), None)
        if owner is not None:
            return owner
    return "configuration"


def _explain(
    exc: ValidationError,
    files: Sequence[tuple[str, dict[str, Any]]],
    init: Mapping[str, Any],
    prefix: tuple[str, ...] = (),
) -> str:
    """One line per problem: source, dotted key, what is wrong (``prefix``: where the
    validated model sits, for a section validated on its own)."""
    lines = []
    for error in exc.errors(include_input=True):
        loc = [*prefix, *(part for part in error["loc"] if not isinstance(part, str) or part)]
        dotted = ".".join(str(part) for part in loc) or "(top level)"
        source = _source_of_error(loc, files, init)
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        else:
            given = error.get("input")
            secret = tuple(str(part) for part in loc) in _SECRETS.get()
            shown = "" if secret or isinstance(given, dict | list) else f" (got {given!r})"
            message = f"{error['msg']}{shown}"
        lines.append(f"{source}: key '{dotted}': {message}")
    return "; ".join(lines)
