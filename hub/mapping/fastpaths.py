"""Specialised closures for the most common field shape: copy one source key with a type.

Most fields of a real mapping are ``{"source": "x"}`` or ``{"coalesce": ["x", "y"]}`` (+ type,
format, default). For those the generic pipeline's checks for cases, lookups, maps and transforms
are pure overhead, so the compiler asks :func:`simple_field` for a closure with the conversion
inlined. Each closure carries an :class:`~hub.mapping.codegen.Inline` hint so that the generated
runner can try the common case without calling it. Each must behave exactly like the generic
pipeline (tests/mapping/test_fastpaths.py and test_differential.py compare them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from hub.mapping.codegen import BOOLEAN_TEXT, INLINE_ATTRIBUTE, QUANTUM_BY_CODE, Convert, Inline
from hub.mapping.currency import DEFAULT_MINOR_UNITS, QUANTA, minor_units
from hub.mapping.runtime import Context, FieldFailure, FieldFn
from hub.mapping.values import (
    ISO_DATE,
    ISO_LIKE_DATETIME_FORMATS,
    Parser,
    parse_boolean,
    parse_decimal,
    parse_integer,
    parse_string,
    render_date,
    render_datetime,
    render_decimal,
    render_money,
)

_DEFAULT_QUANTUM = QUANTA[DEFAULT_MINOR_UNITS]
MISSING = "no value: the source is missing or empty and there is no default"

Fallback = Callable[[Context], Any]


def _fallback(default: Any, nullable: bool, finish: Callable[[Any, Context], Any]) -> Fallback:
    """What a field yields when its source is missing: the default, ``None`` or an error."""
    if default is not None:
        return lambda ctx: finish(default, ctx)
    if nullable:
        return lambda ctx: None

    def missing(ctx: Context) -> Any:
        raise FieldFailure("required", MISSING)

    return missing


def simple_field(
    kind: str | None,
    keys: tuple[str, ...],
    parse: Parser | None,
    default: Any,
    nullable: bool,
    fmt: str | None,
    zone: tzinfo | None,
) -> FieldFn | None:
    """A fast closure for a ``source`` (one key) or a ``coalesce`` of keys + ``kind`` (``None``
    when there is none).

    Like :func:`hub.mapping.paths.compile_path`, an empty string counts as missing; of several
    keys the first present one wins.
    """
    made = _converter(kind, parse, default, nullable, fmt, zone)
    if made is None:
        return None
    convert, hint = made
    if len(keys) == 1:
        key = keys[0]

        def one_key_field(raw: Mapping[str, Any], out: dict[str, Any], ctx: Context) -> Any:
            return convert(raw.get(key), ctx)

        field: FieldFn = one_key_field
    else:

        def first_key_field(raw: Mapping[str, Any], out: dict[str, Any], ctx: Context) -> Any:
            value = None
            for key in keys:
                value = raw.get(key)
                if value is not None and value != "":
                    break
            return convert(value, ctx)

        field = first_key_field
    missing_is_none = default is None and nullable
    setattr(field, INLINE_ATTRIBUTE, Inline(hint[0], keys, convert, *hint[1:], missing_is_none))
    return field


Hint = tuple[str, tzinfo | None, int | None]


def _converter(
    kind: str | None,
    parse: Parser | None,
    default: Any,
    nullable: bool,
    fmt: str | None,
    zone: tzinfo | None,
) -> tuple[Convert, Hint] | None:
    """``convert(value, ctx)`` for the source value of a ``kind`` field (``None`` or ``""`` when
    missing), and the inline hint's kind, zone and ISO length."""
    if kind == "string":

        def finish_string(value: Any, ctx: Context) -> Any:
            return value if value.__class__ is str else parse_string(value)

        absent = _fallback(default, nullable, finish_string)

        def convert_string(value: Any, ctx: Context) -> Any:
            if value is None or value == "":
                return absent(ctx)
            if value.__class__ is str:
                return value
            try:
                return parse_string(value)
            except ValueError as exc:
                raise FieldFailure("string", str(exc), value) from None

        return convert_string, ("string", None, None)

    if kind == "money":

        def finish_money(value: Any, ctx: Context) -> Any:
            return render_money(value, minor_units(ctx.root.get("currency")))

        absent = _fallback(default, nullable, finish_money)

        def convert_money(value: Any, ctx: Context) -> Any:
            if value is None or value == "":
                return absent(ctx)
            quantum = QUANTUM_BY_CODE.get(ctx.root.get("currency"), _DEFAULT_QUANTUM)
            try:
                number = Decimal(value) if value.__class__ is str else parse_decimal(value)
                rounded = number.quantize(quantum, ROUND_HALF_UP)
            except (InvalidOperation, ValueError):
                raise FieldFailure("money", _money_problem(value), value) from None
            if not rounded.is_finite():
                raise FieldFailure("money", f"{value!r} is not a finite number", value)
            return str(rounded) if rounded else str(rounded.copy_abs())

        return convert_money, ("money", None, None)

    if kind == "decimal":

        def finish_decimal(value: Any, ctx: Context) -> Any:
            return render_decimal(value)

        absent = _fallback(default, nullable, finish_decimal)

        def convert_decimal(value: Any, ctx: Context) -> Any:
            if value is None or value == "":
                return absent(ctx)
            try:
                return render_decimal(value)
            except ValueError as exc:
                raise FieldFailure("decimal", str(exc), value) from None

        return convert_decimal, ("decimal", None, None)

    if kind == "date" and fmt in (None, ISO_DATE):

        def finish_date(value: Any, ctx: Context) -> Any:
            return render_date(value)

        absent = _fallback(default, nullable, finish_date)
        fromisoformat = date.fromisoformat

        def convert_date(value: Any, ctx: Context) -> Any:
            if value is None or value == "":
                return absent(ctx)
            if value.__class__ is str and len(value) == 10 and value[4] == "-" == value[7]:
                try:
                    fromisoformat(value)  # validates; the text is already canonical
                    return value
                except ValueError:
                    pass
            try:
                return render_date(parse(value)) if parse is not None else value
            except ValueError as exc:
                raise FieldFailure("date", str(exc), value) from None

        return convert_date, ("date", None, None)

    if kind == "boolean":

        def finish_boolean(value: Any, ctx: Context) -> Any:
            return value

        absent = _fallback(default, nullable, finish_boolean)

        def convert_boolean(value: Any, ctx: Context) -> Any:
            if value is None or value == "":
                return absent(ctx)
            known = BOOLEAN_TEXT.get(value) if value.__class__ is str else None
            if known is not None:
                return known
            try:
                return parse_boolean(value)
            except ValueError as exc:
                raise FieldFailure("boolean", str(exc), value) from None

        return convert_boolean, ("boolean", None, None)

    if kind == "integer":

        def finish_integer(value: Any, ctx: Context) -> Any:
            return value

        absent = _fallback(default, nullable, finish_integer)

        def convert_integer(value: Any, ctx: Context) -> Any:
            if value is None or value == "":
                return absent(ctx)
            # isdecimal (not isdigit: int() refuses superscripts) accepts what Decimal() accepts
            if value.__class__ is str and value.isdecimal():
                return int(value)
            try:
                return parse_integer(value)
            except ValueError as exc:
                raise FieldFailure("integer", str(exc), value) from None

        return convert_integer, ("integer", None, None)

    if kind == "datetime" and parse is not None and zone is not None:

        def finish_datetime(value: Any, ctx: Context) -> Any:
            return render_datetime(value)

        absent = _fallback(default, nullable, finish_datetime)
        iso_length = None if fmt is None else ISO_LIKE_DATETIME_FORMATS.get(fmt)
        iso_any = fmt is None
        fromisoformat = datetime.fromisoformat

        def convert_datetime(value: Any, ctx: Context) -> Any:
            if value is None or value == "":
                return absent(ctx)
            if value.__class__ is str and (
                iso_any or (len(value) == iso_length and value[4] == "-")
            ):
                try:
                    moment = fromisoformat(value)
                except ValueError:
                    pass
                else:  # same as render_datetime(parse(value)), without building aware objects
                    if moment.tzinfo is None:
                        offset = zone.utcoffset(moment)
                    else:
                        offset = moment.utcoffset()
                        moment = moment.replace(tzinfo=None)
                    if offset is not None:
                        try:
                            return (moment - offset).isoformat() + "Z"
                        except OverflowError:
                            raise FieldFailure("datetime", _OUT_OF_RANGE, value) from None
            try:
                return render_datetime(parse(value))
            except ValueError as exc:
                raise FieldFailure("datetime", str(exc), value) from None

        # the runner's inline case needs a length to test (any-ISO fields use the closure)
        return convert_datetime, ("datetime" if iso_length else "", zone, iso_length)

    return None


_OUT_OF_RANGE = "is outside the years 1 to 9999 once converted to UTC"


def _money_problem(value: Any) -> str:
    try:
        parse_decimal(value)
    except ValueError as exc:
        return str(exc)
    return f"{value!r} is too large to be an amount"


__all__ = ["MISSING", "simple_field"]
