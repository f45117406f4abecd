"""What Google's own discovery document for Sheets v4 says a request may contain.

The document is kept as a file (``tests/fixtures/google/sheets.v4.json``: its source, revision and date
in the README beside it) and holds every method's path, query parameters (with their enums) and the JSON schema of
every request and response body. The fake answers a request only if Google would: an
unknown method or parameter, a body field the schema does not have, an enum value it does
not list, a value of the wrong JSON type, a ``Request`` with no kind or two kinds, or a
field mask naming a field that does not exist — each is refused with a 400 worded like
Google's ("Invalid JSON payload received. Unknown name …", "Invalid value at …").
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path


class ApiError(Exception):
    """An error answer of the API: HTTP code, message, status, optional ``details``."""

    def __init__(self, code: int, message: str, status: str, details: list | None = None):
        self.code, self.message, self.status, self.details = code, message, status, details or []
        super().__init__(message)

    def body(self) -> dict:
        error = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, "INVALID_ARGUMENT")


@cache
def discovery_document() -> dict:
    path = Path(__file__).resolve().parents[1] / "fixtures" / "google" / "sheets.v4.json"
    return json.loads(path.read_text(encoding="utf-8"))


def routes(doc: dict) -> list[tuple[str, dict, re.Pattern]]:
    """(method name, method description, path pattern) for every method of the API."""
    out = []

    def walk(resources: dict, prefix: str) -> None:
        for name, res in resources.items():
            for method_name, m in res.get("methods", {}).items():
                pattern = re.escape(m["flatPath"])
                pattern = re.sub(r"\\\{(\w+)\\\}", lambda g: f"(?P<{g[1]}>[^/]+?)", pattern)
                out.append((f"{prefix}{name}.{method_name}", m, re.compile(pattern + "$")))
            walk(res.get("resources", {}), f"{prefix}{name}.")

    walk(doc["resources"], "")
    return out


def snake(name: str) -> str:
    """Google words paths in its messages in snake_case: ``addSheet`` -> ``add_sheet``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def check_query(method: dict, query: dict[str, list[str]]) -> None:
    declared = method.get("parameters", {})
    global_params = discovery_document()["parameters"]
    for name, values in query.items():
        spec = declared.get(name) or global_params.get(name)
        if spec is None:
            raise bad_request(f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query parameter. '
                              f"Field '{name}' could not be found in request message.")
        for value in values:
            if "enum" in spec and value not in spec["enum"]:
                raise bad_request(f"Invalid value at '{snake(name)}', \"{value}\"")
            if spec.get("type") == "boolean" and str(value).lower() not in ("true", "false"):
                raise bad_request(f"Invalid value at '{snake(name)}' (TYPE_BOOL), \"{value}\"")
            if spec.get("type") == "integer" and not re.fullmatch(r"-?\d+", str(value)):
                raise bad_request(f"Invalid value at '{snake(name)}' (TYPE_INT32), \"{value}\"")


def check_body(method: dict, body) -> None:
    ref = (method.get("request") or {}).get("$ref")
    if ref is None:
        if body:
            raise bad_request("Invalid JSON payload received. This method does not take a request body.")
        return
    _check(body if body is not None else {}, {"$ref": ref}, ())


def _schema(spec: dict) -> dict:
    ref = spec.get("$ref")
    return discovery_document()["schemas"][ref] if ref else spec


def _where(path: tuple) -> str:
    """('requests', 0, 'addSheet') -> "requests[0].add_sheet" (only worded when refusing)."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{snake(part)}" if out else snake(part))
    return out or "the request"


def _check(value, spec: dict, path: tuple) -> None:
    spec = _schema(spec)
    kind = spec.get("type")
    if kind == "object" or "properties" in spec:
        if not isinstance(value, dict):
            raise bad_request(f"Invalid value at '{_where(path)}', expected an object")
        props = spec.get("properties", {})
        extra = spec.get("additionalProperties")
        for name, item in value.items():
            sub = props.get(name)
            if sub is not None:
                if item is not None:
                    _check(item, sub, (*path, name))
            elif extra is not None:
                _check(item, extra, (*path, name))
            else:
                raise bad_request(f'Invalid JSON payload received. Unknown name "{name}" at \'{_where(path)}\': Cannot find field.')
        if spec.get("id") == "Request":
            kinds = list(value)
            if not kinds:
                raise bad_request(f"Invalid {_where(path)}: No request set.")
            if len(kinds) > 1:
                raise bad_request(f"Invalid {_where(path)}: oneof field 'kind' is already set. Cannot set '{kinds[1]}'")
        return
    if value is None:
        return
    if kind == "array":
        if not isinstance(value, list):
            raise bad_request(f"Invalid value at '{_where(path)}', expected a list")
        items = spec.get("items", {})
        if _takes_anything(items):
            return  # the cells of ``values``: any JSON value is taken (each would pass ``_check``, one by one)
        for i, item in enumerate(value):
            _check(item, items, (*path, i))
        return
    if "enum" in spec:
        if value not in spec["enum"]:
            raise bad_request(f"Invalid value at '{_where(path)}' (type.googleapis.com/google.apps.sheets.v4."
                              f"{spec.get('id', 'Enum')}), \"{value}\"")
        return
    ok = _TYPE_CHECKS.get(kind)
    if ok is not None and not ok(value):
        raise bad_request(f"Invalid value at '{_where(path)}' ({_TYPE_NAMES[kind]}), {json.dumps(value, ensure_ascii=False)}")


def _takes_anything(spec: dict) -> bool:
    """A schema ``_check`` passes every value of: ``"type": "any"`` with no properties and no enum."""
    spec = _schema(spec)
    return spec.get("type") == "any" and "properties" not in spec and "enum" not in spec


_TYPE_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, str) and bool(re.fullmatch(r"-?\d+", v))),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
}
_TYPE_NAMES = {"string": "TYPE_STRING", "integer": "TYPE_INT32", "number": "TYPE_DOUBLE", "boolean": "TYPE_BOOL"}


# ---- field masks ----------------------------------------------------------


def mask_paths(mask: str) -> list[list[str]]:
    """``"a,b(c,d.e)"`` -> [["a"], ["b", "c"], ["b", "d", "e"]] (the google-fieldmask syntax)."""
    paths: list[list[str]] = []

    def parse(i: int, prefix: list[str]) -> int:
        token = ""
        while i < len(mask):
            ch = mask[i]
            if ch in ",)":
                if token.strip():
                    paths.append(prefix + re.split(r"[./]", token.strip()))  # Google takes "a/b" as "a.b" (gspread sends it)
                token = ""
                if ch == ")":
                    return i
            elif ch == "(":
                i = parse(i + 1, prefix + re.split(r"[./]", token.strip()))
                token = ""
            else:
                token += ch
            i += 1
        if token.strip():
            paths.append(prefix + re.split(r"[./]", token.strip()))
        return i

    parse(0, [])
    return paths


def check_mask(mask: str, schema_id: str, where: str) -> None:
    """Every path of the mask must name a field of ``schema_id`` (``*`` means all)."""
    if mask.strip() == "*":
        return
    if not mask.strip():
        raise bad_request(f"Invalid {where}: At least one field must be specified.")
    for path in mask_paths(mask):
        spec = {"$ref": schema_id}
        for part in path:
            if part == "*":
                break
            props = _schema(spec).get("properties", {})
            if part not in props:
                raise bad_request(f"Invalid {where}: Invalid field mask path: '{'.'.join(path)}'")
            spec = props[part]
            if _schema(spec).get("type") == "array":
                spec = _schema(spec).get("items", {})


def apply_mask(resource, mask: str | None):
    """The ``fields`` system parameter: keep only the named parts of a response."""
    if not mask or mask.strip() == "*":
        return resource
    tree: dict = {}
    for path in mask_paths(mask):
        node = tree
        for part in path:
            node = node.setdefault(part, {})

    def keep(value, node):
        if not node or "*" in node:
            return value
        if isinstance(value, list):
            return [keep(v, node) for v in value]
        if isinstance(value, dict):
            return {k: keep(v, node[k]) for k, v in value.items() if k in node}
        return value

    return keep(resource, tree)
