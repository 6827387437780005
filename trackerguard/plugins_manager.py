"""The plugin manager: one pluggy manager, built-ins registered exactly like external plugins.

Discovery, in order: the built-in modules (rule pack, adapters, outputs), the entry-point
group ``trackerguard`` of installed distributions, and the ``*.py`` files of a configured
``plugins_dir``. ``TRACKERGUARD_PLUGINS=name,name`` restricts which *external* plugins load
(empty = none). A plugin that fails to import or register stops the run with a
:class:`~trackerguard.errors.PluginError` naming it: a guard that silently dropped rules
would report a clean backlog it never judged.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from trackerguard import hooks
from trackerguard.adapter import TrackerAdapter
from trackerguard.errors import PluginError
from trackerguard.rule import Rule

BUILTIN_MODULES: tuple[str, ...] = (
    "trackerguard.rules",
    "trackerguard.outputs.builtin",
    "trackerguard.plugins.file",
    "trackerguard.plugins.jira",
    "trackerguard.plugins.github",
    "trackerguard.plugins.redmine",
    "trackerguard.plugins.gitlab",
    "trackerguard.plugins.linear",
)
BUILTIN_TRACKERS: dict[str, tuple[str, ...]] = {
    "trackerguard.plugins.file": ("file",),
    "trackerguard.plugins.jira": ("jira",),
    "trackerguard.plugins.github": ("github",),
    "trackerguard.plugins.redmine": ("redmine",),
    "trackerguard.plugins.gitlab": ("gitlab",),
    "trackerguard.plugins.linear": ("linear",),
}
"""The trackers each built-in plugin registers. Their names are claimed up front, their
hook runs (importing the adapter and its HTTP stack) only when the tracker is looked up:
a ``check --tracker jira`` does not import five other adapters (a sixth of its start-up)."""
ENTRY_POINT_GROUP = hooks.PROJECT
RESTRICT_ENV = "TRACKERGUARD_PLUGINS"


@dataclass
class PluginInfo:
    """Where a plugin came from and what it registered (``trackerguard plugins``)."""

    name: str
    source: str  # "built-in" | "entry point" | "plugins_dir"
    distribution: str | None = None
    version: str | None = None
    path: str | None = None
    rules: list[str] = field(default_factory=list)
    trackers: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)

    @property
    def origin(self) -> str:
        if self.source == "entry point":
            return f"entry point ({self.distribution} {self.version})"
        if self.source == "plugins_dir":
            return f"plugins_dir ({self.path})"
        return "built-in"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "distribution": self.distribution,
            "version": self.version,
            "path": self.path,
            "rules": self.rules,
            "trackers": self.trackers,
            "outputs": self.outputs,
        }


class TrackerTable(Mapping[str, type[TrackerAdapter]]):
    """Tracker name → adapter class; a built-in's class is imported on first look-up.

    Names, membership and iteration never import anything; ``table[name]`` runs the
    owning built-in plugin's register hook the first time (the same checks as an eager
    registration, so a broken built-in still fails as a named :class:`PluginError`)."""

    def __init__(self) -> None:
        self._classes: dict[str, type[TrackerAdapter]] = {}
        self._pending: dict[str, Callable[[], None]] = {}

    def add(self, name: str, adapter: type[TrackerAdapter]) -> None:
        self._classes[name] = adapter
        self._pending.pop(name, None)

    def defer(self, names: Sequence[str], load: Callable[[], None]) -> None:
        for name in names:
            if name not in self._classes:
                self._pending[name] = load

    def __getitem__(self, name: str) -> type[TrackerAdapter]:
        if name not in self._classes and name in self._pending:
            self._pending[name]()
            if name not in self._classes:
                self._pending.pop(name, None)
                raise PluginError(f"built-in plugin for tracker '{name}' did not register it")
        return self._classes[name]

    def __contains__(self, name: object) -> bool:
        return name in self._classes or name in self._pending

    def __iter__(self) -> Iterator[str]:
        yield from self._classes
        yield from (n for n in self._pending if n not in self._classes)

    def __len__(self) -> int:
        return len(self._classes) + sum(1 for n in self._pending if n not in self._classes)


@dataclass
class Registry:
    """Everything the plugins registered, with the plugin that registered each thing."""

    manager: pluggy.PluginManager
    plugins: list[PluginInfo] = field(default_factory=list)
    rules: dict[str, type[Rule]] = field(default_factory=dict)
    trackers: TrackerTable = field(default_factory=TrackerTable)
    outputs: dict[str, Callable[..., str]] = field(default_factory=dict)
    owners: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def hook(self) -> Any:
        return self.manager.hook

    def info(self, plugin_name: str) -> PluginInfo:
        for info in self.plugins:
            if info.name == plugin_name:
                return info
        raise KeyError(plugin_name)

    def _claim(self, kind: str, key: str, plugin: str) -> None:
        previous = self.owners.get((kind, key))
        if previous is not None and previous != plugin:
            raise PluginError(
                f"{kind} '{key}' is registered by two plugins: {self._describe(previous)} "
                f"and {self._describe(plugin)}"
            )
        self.owners[(kind, key)] = plugin

    def _describe(self, plugin: str) -> str:
        try:
            info = self.info(plugin)
        except KeyError:
            return f"'{plugin}'"
        return f"'{plugin}' [{info.origin}]"


def _allowed() -> set[str] | None:
    raw = os.environ.get(RESTRICT_ENV)
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


def _fail(info: PluginInfo, stage: str, exc: BaseException) -> PluginError:
    where = info.origin
    return PluginError(
        f"plugin '{info.name}' [{where}] failed to {stage}: {type(exc).__name__}: {exc}"
    )


def _load_file_plugin(path: Path) -> ModuleType:
    module_name = f"trackerguard_local_plugin_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)  # no half-imported module left behind
        raise
    return module


def _undecorated_hooks(plugin: object) -> list[str]:
    """``trackerguard_*`` functions a plugin defines without ``@hookimpl`` (silently unused)."""
    marker = f"{hooks.PROJECT}_impl"
    found = []
    for name in dir(plugin):
        if not name.startswith("trackerguard_"):
            continue
        value = getattr(plugin, name, None)
        if callable(value) and not hasattr(value, marker):
            found.append(name)
    return found


def build_registry(
    plugins_dir: Path | None = None,
    *,
    load_entry_points: bool = True,
    extra: Sequence[tuple[str, object]] | None = None,
) -> Registry:
    """Create the plugin manager, load every plugin, and collect their registrations.

    :param plugins_dir: directory of project-local ``*.py`` plugins (``plugins_dir`` /
        ``--plugins-dir``); files starting with ``_`` are skipped.
    :param load_entry_points: load the ``trackerguard`` entry-point group (tests turn it off).
    :param extra: ``(name, plugin)`` pairs registered after the others (tests, the kit).
    :raises PluginError: a plugin failed to import or register, implements an unknown hook,
        defines a ``trackerguard_*`` function without ``@hookimpl``, two plugins registered
        the same rule id / tracker / output name, or ``TRACKERGUARD_PLUGINS`` names a plugin
        that is not installed.
    """
    manager = pluggy.PluginManager(hooks.PROJECT)
    manager.add_hookspecs(hooks)
    registry = Registry(manager)
    allowed = _allowed()

    def add(plugin: object, info: PluginInfo) -> None:
        if manager.has_plugin(info.name):
            other = registry._describe(info.name)
            raise PluginError(
                f"two plugins are named '{info.name}': {other} and [{info.origin}]; "
                "rename one (plugin names must be unique)"
            )
        undecorated = _undecorated_hooks(plugin)
        if undecorated:
            raise PluginError(
                f"plugin '{info.name}' [{info.origin}] defines {', '.join(undecorated)} "
                "without @trackerguard.hookimpl, so it would never be called"
            )
        try:
            manager.register(plugin, name=info.name)
        except Exception as exc:  # pluggy validation errors name the bad hook
            raise _fail(info, "register", exc) from exc
        registry.plugins.append(info)

    for module_name in BUILTIN_MODULES:
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            raise _fail(PluginInfo(module_name, "built-in"), "import", exc) from exc
        add(module, PluginInfo(module_name, "built-in"))

    wanted = set(allowed) if allowed is not None else set()
    if load_entry_points:
        for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if allowed is not None and entry.name not in allowed:
                continue
            wanted.discard(entry.name)
            info = _entry_info(entry)
            try:
                plugin = entry.load()
            except Exception as exc:
                raise _fail(info, "import", exc) from exc
            add(plugin, info)

    if plugins_dir is not None:
        if not plugins_dir.is_dir():
            raise PluginError(f"plugins_dir '{plugins_dir}' does not exist or is not a directory")
        for path in sorted(plugins_dir.glob("*.py")):
            if path.name.startswith("_") or (allowed is not None and path.stem not in allowed):
                continue
            wanted.discard(path.stem)
            info = PluginInfo(path.stem, "plugins_dir", path=str(path))
            try:
                module = _load_file_plugin(path)
            except Exception as exc:
                raise _fail(info, "import", exc) from exc
            add(module, info)

    if load_entry_points and wanted:
        raise PluginError(
            f"{RESTRICT_ENV} names {', '.join(sorted(wanted))}, but no installed plugin "
            f"(entry point group '{ENTRY_POINT_GROUP}') or plugins_dir file has that name"
        )

    for name, plugin in extra or []:
        add(plugin, PluginInfo(name, "built-in"))

    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        name = manager.get_name(exc.plugin) or repr(exc.plugin)
        where = registry._describe(name)
        known = ", ".join(hooks.HOOK_NAMES)
        raise PluginError(
            f"plugin {where} implements an unknown hook: {exc} (known hooks: {known})"
        ) from exc

    _collect(registry)
    return registry


def _entry_info(entry: EntryPoint) -> PluginInfo:
    dist = entry.dist
    return PluginInfo(
        entry.name,
        "entry point",
        distribution=dist.name if dist is not None else None,
        version=dist.version if dist is not None else None,
    )


def _collect(registry: Registry) -> None:
    """Call each plugin's register hooks one by one, so every registration has an owner."""
    hook = registry.manager.hook

    for impl in hook.trackerguard_register_rules.get_hookimpls():
        info = registry.info(impl.plugin_name)

        def register_rule(rule: type[Rule], _info: PluginInfo = info) -> None:
            if not (isinstance(rule, type) and issubclass(rule, Rule)):
                raise PluginError(
                    f"plugin '{_info.name}' [{_info.origin}] registered {rule!r}, "
                    "which is not a trackerguard.Rule subclass"
                )
            for attribute in ("id", "name"):
                if not getattr(rule, attribute, None):
                    raise PluginError(
                        f"plugin '{_info.name}' [{_info.origin}] registered rule "
                        f"{rule.__name__} without a '{attribute}'"
                    )
            registry._claim("rule", rule.id, _info.name)
            registry.rules[rule.id] = rule
            _info.rules.append(rule.id)

        _call(impl, info, register_rule)

    for impl in hook.trackerguard_register_trackers.get_hookimpls():
        info = registry.info(impl.plugin_name)

        def register_tracker(
            name: str, adapter: type[TrackerAdapter], _info: PluginInfo = info
        ) -> None:
            if not (isinstance(adapter, type) and issubclass(adapter, TrackerAdapter)):
                raise PluginError(
                    f"plugin '{_info.name}' [{_info.origin}] registered tracker '{name}' "
                    "with a class that is not a trackerguard.TrackerAdapter subclass"
                )
            registry._claim("tracker", name, _info.name)
            registry.trackers.add(name, adapter)
            if name not in _info.trackers:
                _info.trackers.append(name)

        lazy = BUILTIN_TRACKERS.get(info.name) if info.source == "built-in" else None
        if lazy:
            for name in lazy:  # claimed now: another plugin taking the name still conflicts
                registry._claim("tracker", name, info.name)
                info.trackers.append(name)

            def load(
                _impl: pluggy.HookImpl = impl,
                _info: PluginInfo = info,
                _register: Callable[..., None] = register_tracker,
            ) -> None:
                _call(_impl, _info, _register)

            registry.trackers.defer(lazy, load)
            continue
        _call(impl, info, register_tracker)

    for impl in hook.trackerguard_register_outputs.get_hookimpls():
        info = registry.info(impl.plugin_name)

        def register_output(
            name: str, writer: Callable[..., str], _info: PluginInfo = info
        ) -> None:
            if not callable(writer):
                raise PluginError(
                    f"plugin '{_info.name}' [{_info.origin}] registered output '{name}' "
                    "that is not callable"
                )
            registry._claim("output", name, _info.name)
            registry.outputs[name] = writer
            _info.outputs.append(name)

        _call(impl, info, register_output)


def _call(impl: pluggy.HookImpl, info: PluginInfo, register: Callable[..., None]) -> None:
    kwargs = {"register": register} if "register" in impl.argnames else {}
    try:
        impl.function(**kwargs)
    except PluginError:
        raise
    except Exception as exc:
        raise _fail(info, "register", exc) from exc
