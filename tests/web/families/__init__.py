"""The imitation web's CMS families, one module each, found in this package: FAMILIES maps a family's name
(the same name as its platform in crawler/platforms/) to its class."""

from __future__ import annotations

import importlib
import pkgutil

from .base import Family

FAMILIES: dict[str, type[Family]] = {}
for _info in pkgutil.iter_modules(__path__):
    if _info.name != "base":
        _module = importlib.import_module(f"{__name__}.{_info.name}")
        for _value in vars(_module).values():
            if isinstance(_value, type) and issubclass(_value, Family) and _value.name and _value.__module__ == _module.__name__:
                FAMILIES[_value.name] = _value
