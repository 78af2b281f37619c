"""The JSON Schema of `nianbao.report/1` (report-1.schema.json, beside this file) and `validate_report`.

The `jsonschema` package is not a dependency: this is a small validator for exactly the keywords the schema
uses (listed in `KEYWORDS`; a schema using any other keyword is refused, so it cannot be ignored silently).
Each problem is one line that starts with the key's path, e.g. `requests.new.total: expected integer or null,
got str '3'`.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

SCHEMA_FILE = "report-1.schema.json"
# the keywords this validator understands; annotations are read and ignored
KEYWORDS = frozenset({"type", "const", "enum", "properties", "required", "additionalProperties", "items", "$ref",
                      "allOf", "if", "then", "else", "pattern"})
ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "$comment", "$defs"})

_TYPES = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


@cache
def report_schema() -> dict[str, Any]:
    """The schema, as shipped with the package."""
    schema = json.loads(resources.files(__name__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8"))
    _check_keywords(schema, "#")
    return schema


def validate_report(report: Any) -> list[str]:
    """The ways `report` breaks `nianbao.report/1`, one line each; empty when it is valid."""
    schema = report_schema()
    return _Validator(schema).errors(report, schema, "")


def _check_keywords(node: Any, where: str) -> None:
    if not isinstance(node, dict):
        return
    unknown = set(node) - KEYWORDS - ANNOTATIONS
    if unknown:
        raise ValueError(f"{where}: schema keyword(s) this validator does not implement: {', '.join(sorted(unknown))}")
    for key in ("properties", "$defs"):
        for name, sub in node.get(key, {}).items():
            _check_keywords(sub, f"{where}/{key}/{name}")
    for key in ("items", "if", "then", "else", "additionalProperties"):
        _check_keywords(node.get(key), f"{where}/{key}")
    for i, sub in enumerate(node.get("allOf", [])):
        _check_keywords(sub, f"{where}/allOf/{i}")


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "…"


def _kind(value: Any) -> str:
    return next((t for t in ("null", "boolean", "integer", "number", "string", "array", "object") if _TYPES[t](value)),
                type(value).__name__)


class _Validator:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root

    def _ref(self, ref: str) -> dict[str, Any]:
        if not ref.startswith("#/"):
            raise ValueError(f"only local $ref is supported: {ref}")
        node: Any = self.root
        for part in ref[2:].split("/"):
            node = node[part]
        return node

    def errors(self, value: Any, schema: dict[str, Any], path: str) -> list[str]:
        where = path or "(report)"
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(_TYPES[t](value) for t in types):
                shown = "" if isinstance(value, dict | list) else f" {_show(value)}"
                return [f"{where}: expected {' or '.join(types)}, got {_kind(value)}{shown}"]
        if "const" in schema and value != schema["const"]:
            return [f"{where}: must be {_show(schema['const'])}, got {_show(value)}"]
        if "enum" in schema and not any(value == e and type(value) is type(e) for e in schema["enum"]):
            return [f"{where}: {_show(value)} is not one of {', '.join(map(_show, schema['enum']))}"]
        out: list[str] = []
        if "$ref" in schema:
            out += self.errors(value, self._ref(schema["$ref"]), path)
        if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(f"{where}: {_show(value)} does not match {schema['pattern']}")
        if isinstance(value, dict):
            out += self._object(value, schema, path)
        if isinstance(value, list) and "items" in schema:
            for i, item in enumerate(value):
                out += self.errors(item, schema["items"], f"{path}[{i}]")
        for sub in schema.get("allOf", []):
            out += self.errors(value, sub, path)
        if "if" in schema:
            branch = schema.get("then") if not self.errors(value, schema["if"], path) else schema.get("else")
            if branch is not None:
                out += self.errors(value, branch, path)
        return out

    def _object(self, value: dict[str, Any], schema: dict[str, Any], path: str) -> list[str]:
        out: list[str] = []
        prefix = f"{path}." if path else ""
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                out.append(f"{prefix}{key}: missing")
        for key, sub in props.items():
            if key in value:
                out += self.errors(value[key], sub, prefix + key)
        extra = schema.get("additionalProperties", True)
        for key in value:
            if key in props:
                continue
            if extra is False:
                out.append(f"{prefix}{key}: unexpected key")
            elif isinstance(extra, dict):
                out += self.errors(value[key], extra, prefix + str(key))
        return out
