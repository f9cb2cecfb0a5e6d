"""Compile a mapping document, once, into closures that map raw records fast.

Every target field becomes one function ``fn(raw, out, ctx) -> value`` with its steps bound as
local variables, so mapping a record never re-reads the JSON document. Problems in the document
are collected as :class:`~hub.errors.ConfigError` with the JSON path at fault; problems with a
record raise :class:`FieldFailure`, which :func:`run_fields` turns into a structured
:class:`~hub.errors.FieldError` and carries on with the next field.

Per field the steps run in this order (docs/mapping.md): ``cases`` (a matching case's value is
final) → source (``source`` | ``const`` | ``coalesce`` | ``concat`` | ``collect`` | ``fields`` |
``items``) → ``lookup`` → ``map`` → type conversion → ``transform`` → ``default`` → output.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from operator import methodcaller
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.errors import ConfigError, FieldError
from hub.mapping.canonical import FieldInfo
from hub.mapping.codegen import (
    INLINE_ATTRIBUTE,
    KEY_TEST_ATTRIBUTE,
    NAMED_ROWS,
    Inline,
    InlineCollect,
    InlineItems,
    KeyTest,
    Runner,
    generic_runner,
    make_runner,
)
from hub.mapping.currency import minor_units
from hub.mapping.fastpaths import MISSING, simple_field
from hub.mapping.lookups import LookupSource
from hub.mapping.paths import Getter, compile_path, parse_path
from hub.mapping.runtime import (
    CompiledFields,
    Context,
    FieldFailure,
    FieldFn,
    jsonable,
    run_fields,
    text_key,
)
from hub.mapping.values import (
    PARSERS,
    Parser,
    date_parser,
    datetime_parser,
    parse_string,
    render_date,
    render_datetime,
    render_decimal,
    render_money,
)

ACQUIRE_KEYS = ("source", "const", "coalesce", "concat", "collect")
SCALAR_TYPES = frozenset({"string", "integer", "decimal", "money", "boolean", "date", "datetime"})


Acquire = Callable[[Mapping[str, Any], dict[str, Any]], Any]
Step = Callable[[Any, Mapping[str, Any], dict[str, Any]], Any]
Condition = Callable[[Mapping[str, Any]], bool]


class Compiler:
    """Turns a (schema-valid) mapping document into :data:`CompiledFields`.

    :param transforms: named transforms; ``None`` skips checking transform names (the closures
        are then only fit for validation, not for mapping).
    :param lookups: the source of ``lookup`` answers bound into the closures.
    :param fast: use the specialised closures and generated runners (same results); ``False``
        compiles only the plain generic pipeline, the reference the fast paths are tested against.
    """

    def __init__(
        self,
        *,
        transforms: Mapping[str, Callable[..., Any]] | None,
        lookups: LookupSource | None,
        fast: bool = True,
    ) -> None:
        self.transforms = transforms
        self.lookups = lookups
        self.fast = fast
        self.errors: list[ConfigError] = []
        self.zone: tzinfo = UTC

    def error(self, path: str, message: str) -> None:
        self.errors.append(ConfigError(message, path=path))

    def runner(self, fields: CompiledFields) -> Runner:
        """The function mapping one level of ``fields``: generated, or the plain loop."""
        return make_runner(fields) if self.fast else generic_runner(fields)

    # --- levels --------------------------------------------------------------------------------

    def compile_document(
        self, document: Mapping[str, Any], infos: dict[str, FieldInfo], required: frozenset[str]
    ) -> CompiledFields:
        zone_name = document.get("settings", {}).get("timezone")
        if zone_name is not None:
            self.zone = self.zone_named(zone_name, "$.settings.timezone") or UTC
        return self.compile_fields(document["fields"], infos, required, "$.fields", top=True)

    def compile_fields(
        self,
        specs: Mapping[str, Any],
        infos: dict[str, FieldInfo] | None,
        required: frozenset[str],
        path: str,
        *,
        top: bool = False,
    ) -> CompiledFields:
        for name in sorted(required - set(specs)):
            self.error(
                path,
                f'no mapping for required field {name!r}; add "{name}" to this '
                "object (use a default or const if the source has no such data)",
            )
        compiled: dict[str, tuple[FieldFn, set[str]]] = {}
        for name, spec in specs.items():
            field_path = f"{path}.{name}"
            info: FieldInfo | None = None
            if infos is not None:
                info = infos.get(name)
                if info is None:
                    known = ", ".join(sorted(n for n, i in infos.items() if i.type))
                    self.error(
                        field_path,
                        f"there is no canonical field {name!r} (known: {known}); "
                        "put extra data under custom_fields",
                    )
                    continue
                if info.type is None:
                    self.error(field_path, f"{name!r} is derived by the hub and cannot be mapped")
                    continue
            result = self.compile_field(name, spec, info, field_path, set(specs))
            if result is None:
                continue
            fn, deps, uses_money = result
            if top and uses_money and name != "currency" and "currency" in specs:
                deps.add("currency")
            compiled[name] = (fn, deps)
        return self._ordered(compiled, path)

    def _ordered(self, compiled: dict[str, tuple[FieldFn, set[str]]], path: str) -> CompiledFields:
        """Document order, except that a field comes after the fields it depends on."""
        ordered: CompiledFields = []
        done: set[str] = set()
        pending = list(compiled)
        while pending:
            for name in pending:
                if compiled[name][1] <= done | {name}:
                    ordered.append((name, compiled[name][0]))
                    done.add(name)
                    pending.remove(name)
                    break
            else:
                self.error(path, "fields depend on each other in a cycle: " + ", ".join(pending))
                break
        return ordered

    # --- one field -----------------------------------------------------------------------------

    def compile_field(
        self,
        name: str,
        spec: Mapping[str, Any],
        info: FieldInfo | None,
        path: str,
        siblings: set[str],
    ) -> tuple[FieldFn, set[str], bool] | None:
        errors_before = len(self.errors)
        declared = spec.get("type")
        if info is not None:
            kind: str | None = info.type
            if declared is not None and declared != kind:
                self.error(
                    f"{path}.type",
                    f"{name!r} is a {kind} field in the canonical schema; "
                    f"type {declared!r} cannot produce it (use {kind!r} or leave type out)",
                )
        elif declared is not None:
            kind = declared
        elif "fields" in spec or "collect" in spec:
            kind = "object"
        elif "items" in spec:
            kind = "array"
        else:
            kind = None  # free-form field without a type: values pass through unconverted
        nullable = info.nullable if info is not None else True
        enum = info.enum if info is not None else None

        acquire_keys = [key for key in ACQUIRE_KEYS if key in spec]
        if len(acquire_keys) > 1:
            self.error(path, f"use only one of {', '.join(acquire_keys)}")
        for key, needs in (("fields", "object"), ("items", "array"), ("collect", "object")):
            if key in spec and kind != needs:
                self.error(
                    f"{path}.{key}",
                    f"{key!r} only applies to {needs} fields, and {name!r} is {kind or 'untyped'}",
                )
        if "format" in spec and kind not in ("date", "datetime"):
            self.error(f"{path}.format", "format only applies to date and datetime fields")
        if "timezone" in spec and kind != "datetime":
            self.error(f"{path}.timezone", "timezone only applies to datetime fields")
        if kind in ("object", "array"):
            for key in ("lookup", "map", "cases", "const", "coalesce", "concat"):
                if key in spec:
                    self.error(f"{path}.{key}", f"{key!r} does not apply to {kind} fields")
        if kind == "array" and info is not None and info.children is not None:
            if "items" not in spec:
                self.error(path, f'{name!r} is a list of objects: add "items": {{"fields": ...}}')
            if "source" not in spec:
                self.error(path, f"{name!r} needs a source: the raw list to build it from")
        if (
            not acquire_keys
            and "cases" not in spec
            and "default" not in spec
            and kind not in ("object", "array")
        ):
            self.error(
                path,
                "no value source: add one of source, const, coalesce, concat "
                "(or cases / a default)",
            )
        if len(self.errors) > errors_before:
            return None

        deps: set[str] = set()
        if kind == "object":
            return self._object_field(name, spec, path, deps)
        if kind == "array":
            children = info.children if info is not None else None
            required = info.required if info is not None else frozenset()
            return self._array_field(name, spec, path, children, required, deps)
        return self._scalar_field(name, spec, kind, nullable, enum, path, siblings, deps)

    def _scalar_field(
        self,
        name: str,
        spec: Mapping[str, Any],
        kind: str | None,
        nullable: bool,
        enum: tuple[Any, ...] | None,
        path: str,
        siblings: set[str],
        deps: set[str],
    ) -> tuple[FieldFn, set[str], bool] | None:
        errors_before = len(self.errors)
        get: Getter | None = None
        acquire: Acquire | None = None
        if "source" in spec:
            get = compile_path(spec["source"])
        elif any(key in spec for key in ACQUIRE_KEYS):
            acquire = self.acquirer(spec, path, siblings, deps)
        lookup = self.lookup_step(spec["lookup"]) if "lookup" in spec else None
        mapper = self.map_step(spec["map"], enum, f"{path}.map") if "map" in spec else None
        if enum is not None and "const" in spec and "map" not in spec and "lookup" not in spec:
            self._check_enum(spec["const"], enum, f"{path}.const")
        parse = self.parser(kind, spec, path)
        canonical = self.canonical_parser(kind)
        steps = self.transform_steps(spec.get("transform"), f"{path}.transform", siblings, deps)
        default: Any = None
        if spec.get("default") is not None:
            default = self._canonical_value(spec["default"], canonical, enum, f"{path}.default")
        cases: list[tuple[Condition, Any]] | None = None
        if "cases" in spec:
            cases = []
            for i, case in enumerate(spec["cases"]):
                case_path = f"{path}.cases[{i}]"
                condition = self.condition(case["when"], f"{case_path}.when")
                value = self._canonical_value(case["value"], canonical, enum, f"{case_path}.value")
                if condition is not None:
                    cases.append((condition, value))
        if len(self.errors) > errors_before:
            return None
        is_money = kind == "money"
        render = _RENDERERS.get(kind or "")
        rule = kind or "value"
        keys = _plain_keys(spec)
        if self.fast and keys and lookup is None and mapper is None and not steps:
            fast = simple_field(
                kind, keys, parse, default, nullable, spec.get("format"), self.field_zone(spec)
            )
            if fast is not None and cases is None:
                return fast, deps, is_money
            if fast is not None and cases is not None:
                return _with_cases(fast, cases, is_money, render, rule), deps, is_money

        # The fast build reads a plain-key source and looks text up in a map without calls, and
        # skips parse_string on text (it returns text unchanged).
        skip_text = self.fast and parse is parse_string
        source_key = keys[0] if self.fast and keys and "source" in spec else None
        map_values: dict[str, Any] | None = getattr(mapper, MAP_VALUES_ATTRIBUTE, None)

        def field(raw: Mapping[str, Any], out: dict[str, Any], ctx: Context) -> Any:
            value: Any = None
            given: Any = None  # the value before conversion, named in money errors
            if cases is not None:
                for condition, case_value in cases:
                    if condition(raw):
                        return _final(case_value, ctx)
            if source_key is not None:
                value = raw.get(source_key)
                if value == "":
                    value = None
            else:
                value = get(raw) if get is not None else (acquire(raw, out) if acquire else None)
            if value is not None:
                if lookup is not None:
                    value = lookup(value)
                if mapper is not None and value is not None:
                    if map_values is not None and value.__class__ is str and value in map_values:
                        value = map_values[value]
                    else:
                        value = mapper(value)
                if (
                    parse is not None
                    and value is not None
                    and not (skip_text and value.__class__ is str)
                ):
                    given = value
                    try:
                        value = parse(value)
                    except ValueError as exc:
                        raise FieldFailure(rule, str(exc), value) from None
            if steps and value is not None:
                for step in steps:
                    value = step(value, raw, out)
            if value is None:
                value = default
                if value is None:
                    if nullable:
                        return None
                    raise FieldFailure("required", MISSING)
            if render is None and not is_money:
                return value
            if is_money and given is not None and not steps:
                try:
                    return render_money(value, minor_units(ctx.root.get("currency")))
                except ValueError:  # a parsed amount beyond Decimal's precision
                    message = f"{given!r} is too large to be an amount"
                    raise FieldFailure(rule, message, given) from None
            return _final(value, ctx)

        def _final(value: Any, ctx: Context) -> Any:
            try:
                if is_money:
                    return render_money(value, minor_units(ctx.root.get("currency")))
                return value if render is None else render(value)
            except ValueError as exc:
                raise FieldFailure(rule, str(exc), value) from None

        return field, deps, is_money

    def _object_field(
        self, name: str, spec: Mapping[str, Any], path: str, deps: set[str]
    ) -> tuple[FieldFn, set[str], bool] | None:
        get = compile_path(spec["source"]) if "source" in spec else None
        collect = spec.get("collect")
        prefixes: tuple[str, ...] = tuple(collect.get("prefixes", ())) if collect else ()
        keys: list[str] = list(collect.get("keys", ())) if collect else []
        strip = bool(collect.get("strip_prefix")) if collect else False
        nested: CompiledFields | None = None
        uses_money = False
        if "fields" in spec:
            nested = self.compile_fields(spec["fields"], None, frozenset(), f"{path}.fields")
            uses_money = _mentions_money(spec["fields"])
        default = spec.get("default")
        if default is not None and not isinstance(default, dict):
            self.error(f"{path}.default", "the default of an object field must be an object")
            return None
        runner = self.runner(nested) if nested is not None else None
        label = name
        starts = methodcaller("startswith", prefixes)
        fast = self.fast

        def field(raw: Mapping[str, Any], out: dict[str, Any], ctx: Context) -> Any:
            base: Any = raw
            if get is not None:
                base = get(raw)
                if base is None:
                    return dict(default) if default is not None else {}
                if not isinstance(base, Mapping):
                    raise FieldFailure("object", "expected an object", base)
            result: dict[str, Any] = {}
            if prefixes and fast:  # the keys are filtered in C; only matches reach Python
                for key in filter(starts, base):
                    value = base[key]
                    if value is not None and value != "":
                        result[key] = value
                if strip:
                    result = {_unprefixed(key, prefixes): value for key, value in result.items()}
            elif prefixes:
                result = {
                    key: value
                    for key, value in base.items()
                    if key.startswith(prefixes) and value is not None and value != ""
                }
                if strip:
                    result = {_unprefixed(key, prefixes): value for key, value in result.items()}
            for key in keys:
                value = base.get(key)
                if value is not None and value != "":
                    result[key] = value
            if runner is not None:
                saved = ctx.prefix
                ctx.prefix = f"{saved}{label}."
                result.update(runner(base, ctx, None))
                ctx.prefix = saved
            elif get is not None and not prefixes and not keys:
                result = dict(base)
            return result

        if fast and get is None and nested is None and not strip and (prefixes or keys):
            setattr(field, INLINE_ATTRIBUTE, InlineCollect(prefixes, tuple(keys)))
        return field, deps, uses_money

    def _array_field(
        self,
        name: str,
        spec: Mapping[str, Any],
        path: str,
        children: dict[str, FieldInfo] | None,
        required: frozenset[str],
        deps: set[str],
    ) -> tuple[FieldFn, set[str], bool] | None:
        if "source" not in spec:
            self.error(path, f"{name!r} needs a source: the raw list to build it from")
            return None
        get = compile_path(spec["source"])
        items = spec.get("items")
        nested: CompiledFields | None = None
        where: Condition | None = None
        uses_money = False
        if items is not None:
            nested = self.compile_fields(
                items["fields"], children, required, f"{path}.items.fields"
            )
            uses_money = _mentions_money(items["fields"]) or any(
                c.type == "money" and c.name in items["fields"] for c in (children or {}).values()
            )
            if "where" in items:
                where = self.condition(items["where"], f"{path}.items.where")
        runner = self.runner(nested) if nested is not None else None
        label = name
        names = tuple(f"{label}[{n}]." for n in range(_NAMED_ROWS))

        def field(raw: Mapping[str, Any], out: dict[str, Any], ctx: Context) -> Any:
            rows = get(raw)
            if rows is None:
                return []
            if not isinstance(rows, list):
                raise FieldFailure("array", f"expected a list, got {type(rows).__name__}", rows)
            if runner is None:
                return list(rows)
            result: list[dict[str, Any]] = []
            saved = ctx.prefix
            for row in rows:
                if row.__class__ is not dict and not isinstance(row, Mapping):
                    ctx.errors.append(
                        FieldError(
                            f"{saved}{label}[{len(result)}]",
                            "object",
                            "expected an object",
                            jsonable(row),
                        )
                    )
                    continue
                if where is not None and not where(row):
                    continue
                n = len(result)
                ctx.prefix = names[n] if n < _NAMED_ROWS and not saved else f"{saved}{label}[{n}]."
                result.append(runner(row, ctx, None))
            ctx.prefix = saved
            return result

        key = _single_key(spec["source"])
        if self.fast and runner is not None and key is not None:
            hint = InlineItems(key, runner, names, where, getattr(where, KEY_TEST_ATTRIBUTE, None))
            setattr(field, INLINE_ATTRIBUTE, hint)
        return field, deps, uses_money

    # --- building blocks -----------------------------------------------------------------------

    def acquirer(
        self, spec: Mapping[str, Any], path: str, siblings: set[str], deps: set[str]
    ) -> Acquire | None:
        """The raw value of a field or part: source, const, coalesce or concat."""
        if "source" in spec:
            get = compile_path(spec["source"])
            return lambda raw, out: get(raw)
        if "const" in spec:
            constant = spec["const"]
            return lambda raw, out: constant
        if "coalesce" in spec:
            if all(isinstance(part, str) for part in spec["coalesce"]):
                getters = [compile_path(part) for part in spec["coalesce"]]

                def first_path(raw: Mapping[str, Any], out: dict[str, Any]) -> Any:
                    for get_part in getters:
                        value = get_part(raw)
                        if value is not None:
                            return value
                    return None

                return first_path
            parts = self.parts(spec["coalesce"], f"{path}.coalesce", siblings, deps)
            if self.fast:
                return _first_present(spec["coalesce"], parts)

            def first_present(raw: Mapping[str, Any], out: dict[str, Any]) -> Any:
                for part in parts:
                    value = part(raw, out)
                    if value is not None and value != "":
                        return value
                return None

            return first_present
        if "concat" in spec:
            concat = spec["concat"]
            parts = self.parts(concat["parts"], f"{path}.concat.parts", siblings, deps)
            separator = concat.get("separator", " ")

            def joined(raw: Mapping[str, Any], out: dict[str, Any]) -> Any:
                texts = []
                for part in parts:
                    value = part(raw, out)
                    if value is not None and value != "":
                        texts.append(value if isinstance(value, str) else str(value))
                return separator.join(texts) if texts else None

            return joined
        return None

    def parts(
        self, specs: Sequence[Any], path: str, siblings: set[str], deps: set[str]
    ) -> list[Acquire]:
        """Compile coalesce/concat parts: raw value → lookup → map → transforms (no conversion)."""
        compiled: list[Acquire] = []
        for i, part in enumerate(specs):
            part_path = f"{path}[{i}]"
            if isinstance(part, str):
                get = compile_path(part)
                compiled.append(lambda raw, out, get=get: get(raw))  # type: ignore[misc]
                continue
            acquire_keys = [key for key in ACQUIRE_KEYS if key in part]
            if len(acquire_keys) != 1:
                self.error(part_path, "a part needs exactly one of source, const, coalesce, concat")
                continue
            acquire = self.acquirer(part, part_path, siblings, deps)
            lookup = self.lookup_step(part["lookup"]) if "lookup" in part else None
            mapper = self.map_step(part["map"], None, f"{part_path}.map") if "map" in part else None
            steps = self.transform_steps(
                part.get("transform"), f"{part_path}.transform", siblings, deps
            )
            if acquire is not None:
                compiled.append(_part(acquire, lookup, mapper, steps))
        return compiled

    def lookup_step(self, spec: Mapping[str, Any]) -> Callable[[Any], Any]:
        table: str = spec["table"]
        wanted: str = spec["field"]
        required = spec.get("on_missing", "error") == "error"
        source = self.lookups

        def lookup(value: Any) -> Any:
            key = text_key(value)
            found = None if source is None else source.lookup(table, key, wanted)
            if found is None or found == "":
                if required:
                    raise FieldFailure(
                        "lookup",
                        f"no {table} {key!r} with a {wanted} is known "
                        "(sync it first, or check the reference data)",
                        value,
                    )
                return None
            return found

        return lookup

    def map_step(
        self, spec: Mapping[str, Any], enum: tuple[Any, ...] | None, path: str
    ) -> Callable[[Any], Any]:
        values: dict[str, Any] = dict(spec["values"])
        has_default = "default" in spec
        fallback = spec.get("default")
        if enum is not None:
            for key, value in values.items():
                if value is not None:
                    self._check_enum(value, enum, f"{path}.values.{key}")
            if fallback is not None:
                self._check_enum(fallback, enum, f"{path}.default")
        listed = ", ".join(sorted(values)[:20])

        def mapped(value: Any) -> Any:
            key = text_key(value)
            if key in values:
                return values[key]
            if has_default:
                return fallback
            raise FieldFailure("map", f"{value!r} is not a mapped value (mapped: {listed})", value)

        if self.fast:  # text is its own key: callers may look it up in the values directly
            setattr(mapped, MAP_VALUES_ATTRIBUTE, values)
        return mapped

    def condition(self, spec: Mapping[str, Any], path: str) -> Condition | None:
        tests = [key for key in ("equals", "not_equals", "in", "present") if key in spec]
        if len(tests) != 1:
            self.error(path, "a condition needs exactly one of equals, not_equals, in, present")
            return None
        get = compile_path(spec["source"])
        test = tests[0]
        expected = spec[test]
        key = _single_key(spec["source"])
        if self.fast and key is not None and expected is not None and expected != "":
            # raw.get(key) differs from get(raw) only for "", which equals no such expected value
            if test == "equals":
                fast: Condition = lambda raw: raw.get(key) == expected  # noqa: E731
            elif test == "not_equals":
                fast = lambda raw: raw.get(key) != expected  # noqa: E731
            if test in ("equals", "not_equals"):
                setattr(fast, KEY_TEST_ATTRIBUTE, KeyTest(key, test == "equals", expected))
                return fast
        if test == "equals":
            return lambda raw: bool(get(raw) == expected)
        if test == "not_equals":
            return lambda raw: bool(get(raw) != expected)
        if test == "in":
            options = list(expected)
            return lambda raw: get(raw) in options
        return lambda raw: (get(raw) is not None) == expected

    def transform_steps(
        self, spec: Any, path: str, siblings: set[str], deps: set[str]
    ) -> list[Step]:
        if spec is None:
            return []
        calls = [spec] if isinstance(spec, str) else list(spec)
        steps: list[Step] = []
        for i, call in enumerate(calls):
            call_path = path if isinstance(spec, str) else f"{path}[{i}]"
            name = call if isinstance(call, str) else call["name"]
            params = {} if isinstance(call, str) else dict(call.get("params", {}))
            name_path = call_path if isinstance(call, str) else f"{call_path}.name"
            function = None
            if self.transforms is not None:
                function = self.transforms.get(name)
                if function is None:
                    known = ", ".join(sorted(self.transforms)) or "none"
                    self.error(name_path, f"unknown transform {name!r} (registered: {known})")
                    continue
            static: dict[str, Any] = {}
            dynamic: dict[str, Callable[[Mapping[str, Any], dict[str, Any]], Any]] = {}
            for key, value in params.items():
                param_path = f"{call_path}.params.{key}"
                if isinstance(value, dict) and ("$field" in value or "$source" in value):
                    ref = self._reference(value, param_path, siblings, deps)
                    if ref is not None:
                        dynamic[key] = ref
                else:
                    static[key] = value
            if function is not None:
                steps.append(_transform(name, function, static, dynamic))
        return steps

    def _reference(
        self, value: dict[str, Any], path: str, siblings: set[str], deps: set[str]
    ) -> Callable[[Mapping[str, Any], dict[str, Any]], Any] | None:
        if len(value) != 1 or not isinstance(next(iter(value.values())), str):
            self.error(path, 'write a reference as {"$field": "name"} or {"$source": "path"}')
            return None
        if "$field" in value:
            target: str = value["$field"]
            if target not in siblings:
                self.error(path, f"$field {target!r} is not mapped in this object")
                return None
            deps.add(target)
            return lambda raw, out: out.get(target)
        try:
            get = compile_path(value["$source"])
        except ValueError as exc:
            self.error(path, str(exc))
            return None
        return lambda raw, out: get(raw)

    def parser(self, kind: str | None, spec: Mapping[str, Any], path: str) -> Parser | None:
        fmt = spec.get("format")
        if fmt is not None and not _format_round_trips(fmt, kind):
            self.error(
                f"{path}.format",
                f"{fmt!r} is not a usable strptime format for a {kind} "
                "(e.g. %Y-%m-%d or %m/%d/%Y %H:%M:%S)",
            )
        if kind == "date":
            return date_parser(fmt)
        if kind == "datetime":
            if "timezone" in spec:
                self.zone_named(spec["timezone"], f"{path}.timezone")
            return datetime_parser(fmt, self.field_zone(spec))
        return PARSERS.get(kind or "")

    def canonical_parser(self, kind: str | None) -> Parser | None:
        """How defaults and case values (written in canonical form) are read."""
        if kind == "date":
            return date_parser(None)
        if kind == "datetime":
            return datetime_parser(None, UTC)
        return PARSERS.get(kind or "")

    def field_zone(self, spec: Mapping[str, Any]) -> tzinfo:
        """The zone a field's offset-less datetimes are in: its own, else the document's."""
        if "timezone" in spec:
            try:
                return ZoneInfo(spec["timezone"])
            except (ZoneInfoNotFoundError, ValueError):
                return UTC  # reported by parser()
        return self.zone

    def zone_named(self, name: str, path: str) -> tzinfo | None:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            self.error(
                path,
                f"unknown time zone {name!r}; use an IANA name such as America/New_York or UTC",
            )
            return None

    def _canonical_value(
        self, value: Any, parse: Parser | None, enum: tuple[Any, ...] | None, path: str
    ) -> Any:
        if value is None:
            return None
        if enum is not None:
            self._check_enum(value, enum, path)
        if parse is None:
            return value
        try:
            return parse(value)
        except ValueError as exc:
            self.error(path, f"not a valid canonical value: {exc}")
            return None

    def _check_enum(self, value: Any, enum: tuple[Any, ...], path: str) -> None:
        if value not in enum:
            allowed = ", ".join(str(v) for v in enum)
            self.error(path, f"{value!r} is not an allowed value (allowed: {allowed})")


def _part(
    acquire: Acquire,
    lookup: Callable[[Any], Any] | None,
    mapper: Callable[[Any], Any] | None,
    steps: list[Step],
) -> Acquire:
    def part(raw: Mapping[str, Any], out: dict[str, Any]) -> Any:
        value = acquire(raw, out)
        if value is None or value == "":
            return None
        if lookup is not None:
            value = lookup(value)
        if mapper is not None and value is not None:
            value = mapper(value)
        for step in steps:
            if value is None:
                break
            value = step(value, raw, out)
        return value

    return part


def _transform(
    name: str,
    function: Callable[..., Any],
    static: dict[str, Any],
    dynamic: dict[str, Callable[[Mapping[str, Any], dict[str, Any]], Any]],
) -> Step:
    """A transform step: the function with its static parameters and the ones read from the
    record (a parameter dict is built only when there are such references)."""
    refs = list(dynamic.items())

    def step(value: Any, raw: Mapping[str, Any], out: dict[str, Any]) -> Any:
        params = static
        if refs:
            params = static.copy()
            for key, ref in refs:
                params[key] = ref(raw, out)
        try:
            return function(value, **params)
        except ValueError as exc:
            raise FieldFailure("transform", f"{name}: {exc}", value) from None
        except Exception as exc:  # a plugin's bug must reject the record, not stop the batch
            raise FieldFailure(
                "transform", f"transform {name!r} failed: {type(exc).__name__}: {exc}", value
            ) from None

    return step


def _first_present(specs: Sequence[Any], parts: list[Acquire]) -> Acquire:
    """The first present, non-empty part, reading plain-key parts without a call."""
    keys = [_single_key(spec) for spec in specs]
    if len(keys) != len(parts):  # a part did not compile (only when validating)
        keys = [None] * len(parts)
    plan = list(zip(keys, parts, strict=True))

    def first_present(raw: Mapping[str, Any], out: dict[str, Any]) -> Any:
        for key, part in plan:
            value = raw.get(key) if key is not None else part(raw, out)
            if value is not None and value != "":
                return value
        return None

    return first_present


def _with_cases(
    fast: FieldFn,
    cases: list[tuple[Condition, Any]],
    is_money: bool,
    render: Callable[[Any], Any] | None,
    rule: str,
) -> FieldFn:
    """``fast`` behind ``cases`` (a matching case's value is final), as the generic field does."""

    def final(value: Any, ctx: Context) -> Any:
        try:
            if is_money:
                return render_money(value, minor_units(ctx.root.get("currency")))
            return value if render is None else render(value)
        except ValueError as exc:
            raise FieldFailure(rule, str(exc), value) from None

    def cased_field(raw: Mapping[str, Any], out: dict[str, Any], ctx: Context) -> Any:
        for condition, case_value in cases:
            if condition(raw):
                return final(case_value, ctx)
        return fast(raw, out, ctx)

    hint = getattr(fast, INLINE_ATTRIBUTE, None)
    if isinstance(hint, Inline) and len(cases) == 1:
        setattr(cased_field, INLINE_ATTRIBUTE, replace(hint, guard=cases[0][0]))
    return cased_field


def _plain_keys(spec: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The raw keys of a ``source`` that is one plain key, or of a ``coalesce`` of such paths."""
    if "source" in spec:
        key = _single_key(spec["source"])
        return None if key is None else (key,)
    parts = spec.get("coalesce")
    if isinstance(parts, list) and parts:
        keys = [_single_key(part) for part in parts]
        if all(key is not None for key in keys):
            return tuple(key for key in keys if key is not None)
    return None


def _single_key(path: Any) -> str | None:
    """The key of a path that is one plain key (``"id"``), else ``None``."""
    if not isinstance(path, str):
        return None
    parts = parse_path(path)
    return parts[0] if len(parts) == 1 and isinstance(parts[0], str) else None


def _unprefixed(key: str, prefixes: tuple[str, ...]) -> str:
    for prefix in prefixes:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


def _format_round_trips(fmt: str, kind: str | None) -> bool:
    if "%" not in fmt:
        return False
    sample = datetime(2024, 11, 23, 13, 45, 56)
    try:
        parsed = datetime.strptime(sample.strftime(fmt), fmt)
    except ValueError:
        return False
    return parsed.date() == sample.date()


def _mentions_money(specs: Mapping[str, Any]) -> bool:
    """Whether free-form nested fields produce money (then they need the record's currency)."""
    for spec in specs.values():
        if spec.get("type") == "money":
            return True
        if "fields" in spec and _mentions_money(spec["fields"]):
            return True
        if "items" in spec and _mentions_money(spec["items"]["fields"]):
            return True
    return False


_NAMED_ROWS = NAMED_ROWS
MAP_VALUES_ATTRIBUTE = "hub_map_values"
"""Error-name prefixes (``lines[3].``) of the first rows of a list are made once."""

_RENDERERS: dict[str, Callable[[Any], Any]] = {
    "decimal": render_decimal,
    "date": render_date,
    "datetime": render_datetime,
}

__all__ = ["Compiler", "CompiledFields", "Context", "FieldFailure", "run_fields"]
