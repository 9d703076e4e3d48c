"""``run.config``: the run's hyperparameters, with W&B's access and update rules."""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from heron.errors import Error, ValueRejected
from heron.limits import MAX_DEPTH
from heron.media.base import Media


class ConfigError(Error):
    """A config value changed without ``allow_val_change=True``."""


def load_config_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML config: W&B's ``{key: {desc, value}}`` form or plain ``key: value``."""
    import yaml

    try:
        loaded = yaml.safe_load(Path(path).read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueRejected(f"config file {str(path)!r} could not be read: {exc}") from None
    if not isinstance(loaded, dict):
        raise ValueRejected(f"config file {str(path)!r} must hold a mapping, not {type(loaded)}")
    loaded.pop("wandb_version", None)
    loaded.pop("_wandb", None)
    return {k: v["value"] if isinstance(v, dict) and "value" in v else v
            for k, v in loaded.items()}


def as_config_dict(config: Any) -> dict[str, Any]:
    """What ``init(config=...)`` accepts: a mapping, an argparse Namespace, or a YAML path."""
    if config is None:
        return {}
    if isinstance(config, (str, Path)):
        return load_config_file(config)
    if isinstance(config, argparse.Namespace):
        return dict(vars(config))
    if isinstance(config, Mapping):
        return dict(config)
    if hasattr(config, "__dict__"):
        return {k: v for k, v in vars(config).items() if not k.startswith("_")}
    raise ValueRejected(
        f"config={config!r} is not a dict, an argparse.Namespace or a path to a YAML file"
    )


def _plain(value: Any, depth: int = 1) -> Any:
    """Config values are stored as JSON-like data; numpy scalars and tuples are converted.

    Past ``MAX_DEPTH`` levels the value is left as it is (converting would recurse as deep as
    it nests): it is then over the limit, and left out of what is stored, with a warning."""
    if isinstance(value, Media):
        raise ValueRejected("media objects (Image, Histogram, Table) cannot be put in the config")
    if depth > MAX_DEPTH:
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, Path):
        return str(value)
    module = type(value).__module__
    if module == "numpy" or module.startswith("torch"):
        return value.tolist() if hasattr(value, "tolist") else value.item()
    return value


class Config:
    """Attribute and item access to the run's config; every change is persisted.

    Example:
        >>> run = heron.init(config={"lr": 0.01})
        >>> run.config.lr, run.config["lr"]
        (0.01, 0.01)
        >>> run.config.update({"batch_size": 32})
    """

    def __init__(self, on_change: Callable[[dict[str, Any]], None] | None = None,
                 initial: Mapping[str, Any] | None = None,
                 accepts: Callable[[], bool] | None = None) -> None:
        """``initial``: the values the run starts with (not persisted again); ``accepts``:
        asked before every change, which is ignored when it says False (a finished run)."""
        object.__setattr__(self, "_items", dict(initial or {}))
        object.__setattr__(self, "_locked", {})
        object.__setattr__(self, "_on_change", on_change)
        object.__setattr__(self, "_accepts", accepts)

    # -- reads ----------------------------------------------------------------------------
    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self._items[key]
        except KeyError:
            raise AttributeError(f"config has no key {key!r}") from None

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Config({self._items!r})"

    def keys(self) -> Any:
        return self._items.keys()

    def items(self) -> Any:
        return self._items.items()

    def values(self) -> Any:
        return self._items.values()

    def get(self, key: str, default: Any = None) -> Any:
        return self._items.get(key, default)

    def as_dict(self) -> dict[str, Any]:
        return dict(self._items)

    # -- writes ---------------------------------------------------------------------------
    def __setattr__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __delitem__(self, key: str) -> None:
        if not self._accepted():
            return
        del self._items[key]
        self._changed()

    __delattr__ = __delitem__

    def update(self, values: Any, allow_val_change: bool | None = None) -> None:
        """Add or change keys; changing an existing value needs ``allow_val_change=True``."""
        if not self._accepted():
            return
        changed = False
        for key, value in as_config_dict(values).items():
            key, value = self._check(str(key), value, allow_val_change)
            if key is not None:
                self._items[key] = value
                changed = True
        if changed:
            self._changed()

    def setdefaults(self, values: Mapping[str, Any]) -> None:
        """Set the keys that are not set yet; existing values stay."""
        self.update({k: v for k, v in values.items() if k not in self._items})

    def persist(self) -> None:
        if self._accepted():
            self._changed()

    # -- internals ------------------------------------------------------------------------
    def _check(self, key: str, value: Any, allow_val_change: bool | None) -> tuple[Any, Any]:
        key = key.strip("-")
        if key in self._locked:
            if self._items.get(key) != _plain(value):
                warnings.warn(
                    f"Config item {key!r} was locked by {self._locked[key]!r} (ignored update).",
                    stacklevel=4,
                )
            return None, None
        value = _plain(value)
        if not allow_val_change and key in self._items and self._items[key] != value:
            raise ConfigError(
                f'Attempted to change value of key "{key}" from {self._items[key]!r} to '
                f"{value!r}\nIf you really want to do this, pass allow_val_change=True to "
                "config.update()"
            )
        return key, value

    def _accepted(self) -> bool:
        return self._accepts is None or self._accepts()

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change(dict(self._items))


def lock_keys(config: Config, values: Mapping[str, Any], by: str) -> None:
    """Set ``values`` in ``config`` and refuse later changes to them, with a warning naming
    ``by`` (``init()`` locks a sweep's parameters this way)."""
    for key, value in values.items():
        config._items[key] = _plain(value)
        config._locked[key] = by
    config._changed()
