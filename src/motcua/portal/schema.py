"""The procedure's own fields, defined per procedure as a JSON schema (``ProcedureForm``), turned
into a Django form — a new procedure needs no code. Supported subset (checked when the schema is
saved and again when used): ``{"type": "object", "properties": {name: {"type": "string" |
"integer" | "boolean", "title", "description", "enum", "format": "date", "maxLength",
"minimum", "maximum"}}, "required": [...]}``."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms

from motcua.common.errors import ValidationFailed

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
TYPES = {"string", "integer", "boolean"}


def check_schema(schema: Any) -> dict[str, Any]:
    """The schema if it is in the supported subset; :class:`ValidationFailed` otherwise."""
    if not schema:
        return {}
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise ValidationFailed('Lược đồ phải là một đối tượng JSON có "type": "object".')
    props = schema.get("properties", {})
    if not isinstance(props, dict) or len(props) > 50:
        raise ValidationFailed('"properties" phải là một đối tượng (tối đa 50 trường).')
    for name, spec in props.items():
        if not _NAME.match(name):
            raise ValidationFailed(f"Tên trường “{name}” không hợp lệ (chữ thường, số, _).")
        if not isinstance(spec, dict) or spec.get("type") not in TYPES:
            raise ValidationFailed(f"Trường “{name}”: kiểu phải là string, integer hoặc boolean.")
        if "enum" in spec and not (isinstance(spec["enum"], list) and spec["enum"]):
            raise ValidationFailed(f"Trường “{name}”: enum phải là danh sách không rỗng.")
    required = schema.get("required", [])
    if not isinstance(required, list) or any(r not in props for r in required):
        raise ValidationFailed('"required" chỉ được nêu các trường có trong "properties".')
    return schema


def form_fields(schema: dict[str, Any]) -> dict[str, forms.Field]:
    schema = check_schema(schema)
    required = set(schema.get("required", []))
    out: dict[str, forms.Field] = {}
    for name, spec in schema.get("properties", {}).items():
        label = str(spec.get("title") or name)
        common: dict[str, Any] = {
            "label": label,
            "required": name in required,
            "help_text": str(spec.get("description", "")),
            "error_messages": {"required": f"Nhập “{label}”."},
        }
        kind = spec["type"]
        if "enum" in spec:
            choices = [("", "— Chọn —")] + [(str(v), str(v)) for v in spec["enum"]]
            out[name] = forms.ChoiceField(choices=choices, **common)
        elif kind == "boolean":
            common["required"] = False
            out[name] = forms.BooleanField(**common)
        elif kind == "integer":
            out[name] = forms.IntegerField(
                min_value=spec.get("minimum"), max_value=spec.get("maximum"), **common
            )
        elif spec.get("format") == "date":
            out[name] = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        else:
            max_length = int(spec.get("maxLength", 500))
            widget = forms.Textarea(attrs={"rows": 3}) if max_length > 200 else forms.TextInput
            out[name] = forms.CharField(max_length=max_length, widget=widget, **common)
    return out


def to_json(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def summary_of(schema: dict[str, Any], values: dict[str, Any]) -> str:
    """The answers as one line for the dossier's ``summary`` (what the officer sees first)."""
    props = (schema or {}).get("properties", {})
    parts = []
    for name, value in values.items():
        if value in ("", None, False):
            continue
        title = str(props.get(name, {}).get("title") or name)
        parts.append(f"{title}: {'Có' if value is True else value}")
    return "; ".join(parts)[:500]
