"""SuiteQL → SQLite translation on sqlglot's syntax tree: catalog checks, qualification, NetSuite
built-ins, Oracle date semantics and ROWNUM; plus the page and count statements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, traverse_scope

from hub_netsuite.sandbox import schema
from hub_netsuite.sandbox.rownum import apply_rownum_bounds, extract_rownum
from hub_netsuite.sandbox.suiteqlerrors import (
    SuiteQLError,
    hidden_table,
    unknown_identifier,
    unknown_table,
    unsupported,
)
from hub_netsuite.sandbox.suiteqlerrors import search_error as _search_error
from hub_netsuite.sandbox.suiteqlparse import parse_suiteql

MAX_IN_LIST = 1000
#: Constructs an account can be set to refuse (``SandboxSettings.refused_constructs``).
REFUSABLE_CONSTRUCTS = frozenset({"listagg", "link_subquery"})
_LINK_TABLES = frozenset({"nexttransactionlinelink", "previoustransactionlinelink"})

_LITERAL_DATES = (exp.DateStrToDate, exp.StrToTime, exp.StrToDate, exp.TimeStrToTime)
_NOW_NODES = (exp.CurrentTimestamp, exp.CurrentDate, exp.Localtimestamp, exp.Systimestamp)


@dataclass(frozen=True)
class Translation:
    """A SuiteQL query translated once and cached by its text."""

    page_sql: str
    count_sql: str
    param_names: tuple[str, ...]
    names: tuple[str, ...]
    kinds: tuple[str | None, ...]
    uses_now: bool


@dataclass
class _ColumnInfo:
    table: str | None
    kind: str | None


@dataclass
class _Context:
    columns: dict[int, _ColumnInfo] = field(default_factory=dict)


class Translator:
    """Turns SuiteQL text into SQLite SQL for one account's feature set."""

    def __init__(
        self,
        *,
        oneworld: bool,
        hidden_tables: frozenset[str] = frozenset(),
        refused_constructs: frozenset[str] = frozenset(),
    ) -> None:
        unknown = set(refused_constructs) - REFUSABLE_CONSTRUCTS
        if unknown:
            raise ValueError(f"unknown refused_constructs: {sorted(unknown)}")
        self.oneworld = oneworld
        self.hidden_tables = frozenset(t.lower() for t in hidden_tables)
        self.refused_constructs = frozenset(refused_constructs)
        self.schema: dict[str, object] = {
            table: {c.name: "TEXT" for c in schema.visible_columns(table, oneworld=oneworld)}
            for table in schema.TABLES
            if table not in self.hidden_tables
        }

    def translate(self, query: str) -> Translation:
        """Translate ``query``; raises SuiteQLError with NetSuite's wording when it is refused."""
        tree = parse_suiteql(query)
        uses_now = self._prepare(tree)
        try:
            tree = qualify(
                tree,
                schema=self.schema,
                dialect="sqlite",
                validate_qualify_columns=True,
                quote_identifiers=False,
                identify=False,
            )
        except OptimizeError as error:
            raise self._identifier_error(error, tree) from None
        except SqlglotError:
            raise unsupported() from None
        if not isinstance(tree, exp.Query):
            raise unsupported()
        context = self._collect_columns(tree)
        self._rewrite_dates(tree, context)
        self._rewrite_builtins(tree, context)
        self._rewrite_listagg(tree)
        self._rewrite_concat(tree)
        self._rewrite_ordering(tree)
        for total in list(tree.find_all(exp.Sum)):
            if not isinstance(total.parent, exp.Window) and not total.args.get("distinct"):
                total.replace(_call("NS_SUM", total.this))
        names, kinds = self._outputs(tree, context)
        tree = apply_rownum_bounds(tree)
        for extreme in list(tree.find_all(exp.Greatest, exp.Least)):
            # Oracle's GREATEST/LEAST are NULL when any argument is: SQLite's scalar MAX/MIN.
            name = "MAX" if isinstance(extreme, exp.Greatest) else "MIN"
            extreme.replace(_call(name, extreme.this, *extreme.expressions))
        placeholders = sorted({p.name for p in tree.find_all(exp.Placeholder)})
        renamed = {old: f"p{i}" for i, old in enumerate(placeholders, start=1)}
        for placeholder in tree.find_all(exp.Placeholder):
            placeholder.set("this", renamed[placeholder.name])
        return Translation(
            page_sql=self._page_sql(tree),
            count_sql=self._count_sql(tree),
            param_names=tuple(renamed[p] for p in placeholders),
            names=names,
            kinds=kinds,
            uses_now=uses_now,
        )

    # -- before qualification ---------------------------------------------------------------
    def _prepare(self, tree: exp.Expr) -> bool:
        """Refuse what NetSuite refuses; map built-ins, ROWNUM and SYSDATE. True if clock used."""
        if tree.find(exp.With, exp.CTE, exp.Limit) is not None:
            raise unsupported()
        if tree.find(*_LITERAL_DATES) is not None:
            raise unsupported()
        self._refuse_constructs(tree)
        for node in tree.find_all(exp.In):
            if len(node.expressions) > MAX_IN_LIST:
                raise _search_error(f"IN lists are limited to {MAX_IN_LIST} values.")
        for table in tree.find_all(exp.Table):
            name = table.name.lower()
            if table.args.get("db") is not None or not name:
                raise unknown_table(table.sql("oracle"))
            if name in self.hidden_tables:
                raise hidden_table(name)
            if name not in schema.TABLES:
                raise unknown_table(table.name)
        for dot in list(tree.find_all(exp.Dot)):
            left, right = dot.this, dot.expression
            if isinstance(left, exp.Identifier | exp.Column) and left.name.upper() == "BUILTIN":
                if not isinstance(right, exp.Anonymous) or right.name.upper() not in ("DF", "CF"):
                    raise unsupported()
                dot.replace(
                    exp.Anonymous(this=f"NS_{right.name.upper()}", expressions=right.expressions)
                )
        uses_now = False
        for now_node in list(tree.find_all(*_NOW_NODES)):
            now_node.replace(exp.Anonymous(this="NS_SYSDATE", expressions=[]))
            uses_now = True
        for select in list(tree.find_all(exp.Select)):
            extract_rownum(select)
        return uses_now

    def _refuse_constructs(self, tree: exp.Expr) -> None:
        if "listagg" in self.refused_constructs and tree.find(exp.GroupConcat) is not None:
            raise unsupported()
        if "link_subquery" in self.refused_constructs:
            for select in tree.find_all(exp.Select):
                if select is tree:
                    continue
                for table in select.find_all(exp.Table):
                    if table.name.lower() in _LINK_TABLES and _owning_select(table) is select:
                        raise unsupported()

    def _identifier_error(self, error: OptimizeError, tree: exp.Expr) -> SuiteQLError:
        message = str(error)
        match = re.search(r"Column '([^']+)'", message) or re.search(r"column: (\S+)", message)
        name = match.group(1) if match else "?"
        sources: dict[str, str] = {}
        if isinstance(tree, exp.Select):
            for table in tree.find_all(exp.Table):
                if _owning_select(table) is tree:
                    sources[(table.alias or table.name).lower()] = table.name.lower()
        return unknown_identifier(name, sources)

    # -- after qualification ----------------------------------------------------------------
    def _collect_columns(self, tree: exp.Expr) -> _Context:
        context = _Context()
        derived: dict[int, dict[str, str | None]] = {}
        for scope in traverse_scope(tree):
            for column in scope.columns:
                context.columns[id(column)] = self._resolve(scope, column, derived)
            if isinstance(scope.expression, exp.Select):
                kinds = {
                    projection.alias_or_name.lower(): self._kind(projection, context)
                    for projection in scope.expression.expressions
                }
                derived[id(scope.expression)] = kinds
            elif isinstance(scope.expression, exp.SetOperation):
                left = scope.expression.left
                if isinstance(left, exp.Select):
                    derived[id(scope.expression)] = {
                        p.alias_or_name.lower(): self._kind(p, context) for p in left.expressions
                    }
        return context

    def _resolve(
        self, scope: Scope, column: exp.Column, derived: dict[int, dict[str, str | None]]
    ) -> _ColumnInfo:
        current: Scope | None = scope
        while current is not None:
            source = current.sources.get(column.table)
            if isinstance(source, exp.Table):
                table = source.name.lower()
                return _ColumnInfo(table, schema.column_kind(table, column.name.lower()))
            if isinstance(source, Scope):
                kinds = derived.get(id(source.expression), {})
                return _ColumnInfo(None, kinds.get(column.name.lower()))
            current = current.parent
        return _ColumnInfo(None, None)

    def _kind(self, node: exp.Expr, context: _Context) -> str | None:
        """Rendering kind of an expression: 'date', 'datetime' or None (plain value)."""
        if isinstance(node, exp.Alias | exp.Paren):
            return self._kind(node.this, context)
        if isinstance(node, exp.Column):
            info = context.columns.get(id(node))
            kind = info.kind if info else None
            return kind if kind in ("date", "datetime") else None
        if isinstance(node, exp.Anonymous):
            name = node.name.upper()
            if name in ("NS_TO_DATE", "NS_LOCAL_DATE"):
                return "date"
            if name in ("NS_TO_TIMESTAMP", "NS_SYSDATE"):
                return "datetime"
            if name == "NS_TRUNC" and node.expressions:
                return "date" if self._kind(node.expressions[0], context) else None
            if name == "NS_ADD_DAYS" and node.expressions:
                return self._kind(node.expressions[0], context)
            return None
        if isinstance(node, exp.Subquery) and isinstance(node.this, exp.Select):
            projections = node.this.expressions
            return self._kind(projections[0], context) if len(projections) == 1 else None
        if isinstance(
            node, exp.Coalesce | exp.Max | exp.Min | exp.Case | exp.If | exp.Greatest | exp.Least
        ):
            for child in _value_children(node):
                kind = self._kind(child, context)
                if kind:
                    return kind
        return None

    def _rep(self, node: exp.Expr, context: _Context) -> str | None:
        """Storage form of a temporal expression: 'd10' (local date) or 'ts' (UTC datetime)."""
        if isinstance(node, exp.Paren):
            return self._rep(node.this, context)
        if isinstance(node, exp.Column):
            info = context.columns.get(id(node))
            kind = info.kind if info else None
            return {"date": "d10", "datetime": "ts"}.get(kind or "")
        if isinstance(node, exp.Anonymous):
            name = node.name.upper()
            if name in ("NS_TO_DATE", "NS_TO_TIMESTAMP", "NS_SYSDATE"):
                return "ts"
            if name == "NS_LOCAL_DATE":
                return "d10"
            if name in ("NS_TRUNC", "NS_ADD_DAYS") and node.expressions:
                return self._rep(node.expressions[0], context)
            return None
        if isinstance(node, exp.Subquery) and isinstance(node.this, exp.Select):
            projections = node.this.expressions
            if len(projections) == 1:
                inner = projections[0]
                return self._rep(inner.this if isinstance(inner, exp.Alias) else inner, context)
            return None
        if isinstance(
            node, exp.Coalesce | exp.Max | exp.Min | exp.Case | exp.If | exp.Greatest | exp.Least
        ):
            for child in _value_children(node):
                rep = self._rep(child, context)
                if rep:
                    return rep
        return None

    def _rewrite_dates(self, tree: exp.Expr, context: _Context) -> None:
        """Oracle date semantics: comparisons across date forms, implicit string dates, math."""
        comparisons = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
        for node in list(tree.find_all(*comparisons)):
            self._align(node.this, node.expression, context)
        for between in list(tree.find_all(exp.Between)):
            self._align(between.this, between.args["low"], context)
            self._align(between.this, between.args["high"], context)
        for in_node in list(tree.find_all(exp.In)):
            for value in list(in_node.expressions):
                self._align(in_node.this, value, context)
        for node in list(tree.find_all(exp.Sub, exp.Add)):
            left, right = node.this, node.expression
            lrep, rrep = self._rep(left, context), self._rep(right, context)
            if isinstance(node, exp.Sub) and lrep and rrep:
                node.replace(_call("NS_DAYS_BETWEEN", left, right))
            elif lrep and not rrep:
                days = exp.Neg(this=right) if isinstance(node, exp.Sub) else right
                node.replace(_call("NS_ADD_DAYS", left, days))
            elif rrep and not lrep and isinstance(node, exp.Add):
                node.replace(_call("NS_ADD_DAYS", right, left))

    def _align(self, left: exp.Expr, right: exp.Expr, context: _Context) -> None:
        lrep, rrep = self._rep(left, context), self._rep(right, context)
        if lrep == "d10" and rrep == "ts":
            right.replace(_call("NS_LOCAL_DATE", right.copy()))
        elif lrep == "ts" and rrep == "d10":
            left.replace(_call("NS_LOCAL_DATE", left.copy()))
        elif lrep and rrep is None and _is_text_value(right):
            right.replace(_call("NS_PREF_VALUE", right.copy(), exp.Literal.string(lrep)))
        elif rrep and lrep is None and _is_text_value(left):
            left.replace(_call("NS_PREF_VALUE", left.copy(), exp.Literal.string(rrep)))

    def _rewrite_builtins(self, tree: exp.Expr, context: _Context) -> None:
        for node in list(tree.find_all(exp.Anonymous)):
            name = node.name.upper()
            if name not in ("NS_DF", "NS_CF"):
                continue
            if len(node.expressions) != 1:
                raise unsupported()
            arg = node.expressions[0]
            info = context.columns.get(id(arg)) if isinstance(arg, exp.Column) else None
            ref = (
                schema.column_ref(info.table, arg.name.lower())
                if info is not None and info.table and isinstance(arg, exp.Column)
                else None
            )
            if name == "NS_CF":
                replacement = (
                    _status_key(arg) if ref == "status" and isinstance(arg, exp.Column) else arg
                )
            elif ref is None or not isinstance(arg, exp.Column):
                replacement = arg
            else:
                replacement = _display_value(arg, ref)
            node.replace(replacement.copy() if replacement is arg else replacement)

    @staticmethod
    def _rewrite_concat(tree: exp.Expr) -> None:
        """Oracle ``||`` treats NULL as an empty string and writes computed numbers its way."""
        for node in list(tree.find_all(exp.DPipe)):
            for key in ("this", "expression"):
                operand = node.args[key]
                if isinstance(operand, exp.DPipe) or (
                    isinstance(operand, exp.Literal) and operand.is_string
                ):
                    continue
                if isinstance(operand, exp.Column):
                    # Stored values already hold NetSuite's text.
                    node.set(key, exp.Coalesce(this=operand, expressions=[exp.Literal.string("")]))
                else:
                    node.set(key, _call("NS_CONCAT_TEXT", operand))

    @staticmethod
    def _rewrite_listagg(tree: exp.Expr) -> None:
        """``LISTAGG(v, sep) WITHIN GROUP (ORDER BY k...)`` → ``NS_LISTAGG(v, sep, dirs, k...)``."""
        for node in list(tree.find_all(exp.GroupConcat)):
            value = node.this
            keys: list[exp.Ordered] = []
            if isinstance(value, exp.Order):
                keys = [k for k in value.expressions if isinstance(k, exp.Ordered)]
                value = value.this
            distinct = isinstance(value, exp.Distinct)
            if distinct:
                if len(value.expressions) != 1:
                    raise unsupported()
                value = value.expressions[0]
            directions = "".join("d" if key.args.get("desc") else "a" for key in keys)
            if distinct:
                directions = directions.upper() or "A"
            separator = node.args.get("separator") or exp.Literal.string("")
            args = [value, separator, exp.Literal.string(directions), *(k.this for k in keys)]
            if distinct and not keys:
                args.append(value.copy())
            node.replace(_call("NS_LISTAGG", *(a.copy() for a in args)))

    @staticmethod
    def _rewrite_ordering(tree: exp.Expr) -> None:
        """Oracle sorts NULLs last; internal ids are never NULL, so let SQLite use its index."""
        for node in tree.find_all(exp.Ordered):
            column = node.this
            if isinstance(column, exp.Column) and column.name.lower() == "id":
                node.set("nulls_first", not node.args.get("desc"))

    def _outputs(
        self, tree: exp.Query, context: _Context
    ) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
        select = tree
        while isinstance(select, exp.SetOperation):
            select = select.left
        if not isinstance(select, exp.Select):
            raise unsupported()
        names: list[str] = []
        kinds: list[str | None] = []
        unnamed = 0
        for projection in select.expressions:
            name = projection.alias_or_name.lower()
            if name.startswith("_col_"):
                unnamed += 1
                name = f"expr{unnamed}"
            names.append(name)
            kinds.append(self._kind(projection, context))
        return tuple(names), tuple(kinds)

    @staticmethod
    def _page_sql(tree: exp.Query) -> str:
        limit = exp.Placeholder(this="ns_limit")
        offset = exp.Placeholder(this="ns_offset")
        if (
            isinstance(tree, exp.Select)
            and tree.args.get("limit") is None
            and tree.args.get("offset") is None
        ):
            paged: exp.Query = tree.copy()
            paged.set("limit", exp.Limit(expression=limit))
            paged.set("offset", exp.Offset(expression=offset))
        else:
            paged = exp.select("*").from_(tree.copy().subquery("ns_page"))
            paged.set("limit", exp.Limit(expression=limit))
            paged.set("offset", exp.Offset(expression=offset))
        return paged.sql(dialect="sqlite", identify=True)

    @staticmethod
    def _count_sql(tree: exp.Query) -> str:
        inner: exp.Query = tree.copy()
        if (
            isinstance(inner, exp.Select)
            and not inner.args.get("distinct")
            and not inner.args.get("group")
            and not inner.args.get("having")
            and not any(
                isinstance(node, exp.AggFunc | exp.Window)
                or (isinstance(node, exp.Anonymous) and node.name.upper() == "NS_SUM")
                for projection in inner.expressions
                for node in projection.walk()
            )
        ):
            inner.set("expressions", [exp.Literal.number(1)])
            inner.set("order", None)
        counted = exp.select(exp.Count(this=exp.Star())).from_(inner.subquery("ns_count"))
        return counted.sql(dialect="sqlite", identify=True)


def _owning_select(node: exp.Expr) -> exp.Expr | None:
    return node.find_ancestor(exp.Select)


def _value_children(node: exp.Expr) -> list[exp.Expr]:
    if isinstance(node, exp.Case):
        values = [branch.args["true"] for branch in node.args.get("ifs") or []]
        default = node.args.get("default")
        return values + ([default] if default is not None else [])
    if isinstance(node, exp.If):
        return [v for v in (node.args.get("true"), node.args.get("false")) if v is not None]
    children = [node.this] if isinstance(node.this, exp.Expr) else []
    return children + list(node.expressions)


def _is_text_value(node: exp.Expr) -> bool:
    return isinstance(node, exp.Placeholder) or (isinstance(node, exp.Literal) and node.is_string)


def _call(name: str, *args: exp.Expr) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def _status_key(column: exp.Column) -> exp.Expr:
    type_column = exp.Column(this=exp.to_identifier("type"), table=column.args.get("table"))
    return exp.DPipe(
        this=exp.DPipe(this=type_column, expression=exp.Literal.string(":")),
        expression=column.copy(),
    )


def _display_value(column: exp.Column, ref: str) -> exp.Expr:
    """``BUILTIN.DF``: a scalar subquery fetching the display value of a reference."""
    if ref == "status":
        key: exp.Expr = _status_key(column)
        return _list_lookup("status", key)
    if ref.startswith("list:"):
        return _list_lookup(ref[5:], exp.Cast(this=column.copy(), to=exp.DataType.build("TEXT")))
    if ref == "transaction":
        sub = sqlglot.parse_one(
            "SELECT l.name || ' #' || d.tranid FROM transaction AS d "
            "JOIN ns_listvalue AS l ON l.list = 'trantype' AND l.key = d.type "
            "WHERE d.id = ns_arg",
            read="sqlite",
        )
    else:
        display = {"customer": "entityid", "item": "itemid"}.get(ref, "name")
        sub = sqlglot.parse_one(f"SELECT d.{display} FROM {ref} AS d WHERE d.id = ns_arg")
    return _substitute(sub, column)


def _list_lookup(list_name: str, key: exp.Expr) -> exp.Expr:
    sub = sqlglot.parse_one(
        f"SELECT l.name FROM ns_listvalue AS l WHERE l.list = '{list_name}' AND l.key = ns_arg"
    )
    return _substitute(sub, key)


def _substitute(sub: exp.Expr, value: exp.Expr) -> exp.Expr:
    for node in list(sub.find_all(exp.Column)):
        if node.name == "ns_arg" and not node.table:
            node.replace(value.copy())
    assert isinstance(sub, exp.Select)
    return sub.subquery()
