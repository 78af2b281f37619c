"""The random test web's CMS families, one module each (found in this package): VARIANTS maps a family's name to
its variant class, whose `draw(rng)` gives the family's part of a site's variant dict (base.draw_common the rest)."""

from __future__ import annotations

import importlib
import pkgutil

from .base import VariantFamily

VARIANTS: dict[str, type[VariantFamily]] = {}
for _info in pkgutil.iter_modules(__path__):
    if _info.name != "base":
        _module = importlib.import_module(f"{__name__}.{_info.name}")
        for _value in vars(_module).values():
            if isinstance(_value, type) and issubclass(_value, VariantFamily) and _value.name \
                    and _value.__module__ == _module.__name__:
                VARIANTS[_value.name] = _value
