"""Oracle's ROWNUM in SuiteQL, rewritten for SQLite on the syntax tree.

``ROWNUM <= n`` (also ``< n``, ``= 1`` and the mirrored forms) in a WHERE clause numbers rows as
they are found, before GROUP BY, DISTINCT and ORDER BY. Without any of those it is simply a row
limit. With them the limited rows are taken first in a subquery and sorted or grouped outside it:

- one table: ``FROM t WHERE c`` becomes ``FROM (SELECT * FROM t WHERE c LIMIT n) AS t``;
- joins with ORDER BY: the select (projections plus the sort keys) runs with ``LIMIT n`` inside,
  the ORDER BY outside;
- joins that also group, aggregate or use DISTINCT keep a plain LIMIT after everything (a
  documented deviation).

``ROWNUM`` in the select list becomes ``ROW_NUMBER() OVER ()``. Other uses are refused.
"""

from __future__ import annotations

from sqlglot import exp

from hub_netsuite.sandbox.suiteqlerrors import unsupported

_BOUND_KEY = "ns_rownum_bound"


def is_rownum(node: exp.Expr) -> bool:
    """True for a bare ``ROWNUM`` column reference."""
    return isinstance(node, exp.Column) and not node.table and node.name.upper() == "ROWNUM"


def extract_rownum(select: exp.Select) -> None:
    """Take ``ROWNUM`` bounds out of ``select`` (before qualification).

    A plain select gets a LIMIT (or a lower FETCH FIRST); one that groups, aggregates, is
    DISTINCT or sorts keeps the bound in its ``meta`` for `apply_rownum_bounds`.
    """
    where = select.args.get("where")
    limit: int | None = None
    if where is not None:
        kept: list[exp.Expr] = []
        conditions = where.this.flatten() if isinstance(where.this, exp.And) else [where.this]
        for condition in conditions:
            bound = rownum_bound(condition)
            if bound is None:
                kept.append(condition)
            else:
                limit = bound if limit is None else min(limit, bound)
        if limit is not None:
            select.set("where", exp.Where(this=exp.and_(*kept)) if kept else None)
    for node in list(select.find_all(exp.Column)):
        if is_rownum(node) and node.find_ancestor(exp.Select) is select:
            if node.find_ancestor(exp.Where) is not None:
                raise unsupported()
            node.replace(exp.Window(this=exp.RowNumber()))
    if limit is None:
        return
    if _needs_prefilter(select):
        select.meta[_BOUND_KEY] = limit
    else:
        _limit(select, limit)


def _limit(select: exp.Select, limit: int) -> None:
    """Apply a row limit after everything else (a LIMIT, or a lower FETCH FIRST)."""
    existing = select.args.get("limit")
    if existing is None:
        select.set("limit", exp.Limit(expression=exp.Literal.number(limit)))
    elif isinstance(existing, exp.Fetch) and existing.args.get("count") is not None:
        count = existing.args["count"]
        if not count.is_int:
            raise unsupported()
        existing.set("count", exp.Literal.number(min(int(count.name), limit)))
    else:
        raise unsupported()


def rownum_bound(node: exp.Expr) -> int | None:
    """The row limit of ``ROWNUM <= n`` style conditions, or None for other conditions."""
    pairs = {exp.LTE: 0, exp.LT: -1, exp.EQ: 0}
    flipped = {exp.GTE: 0, exp.GT: -1, exp.EQ: 0}
    for cls, delta in pairs.items():
        if isinstance(node, cls) and is_rownum(node.this) and node.expression.is_int:
            value = int(node.expression.name)
            if cls is exp.EQ and value != 1:
                raise unsupported()
            return max(value + delta, 0)
    for cls, delta in flipped.items():
        if isinstance(node, cls) and is_rownum(node.expression) and node.this.is_int:
            return max(int(node.this.name) + delta, 0)
    return None


def _needs_prefilter(select: exp.Select) -> bool:
    return bool(
        select.args.get("order")
        or select.args.get("group")
        or select.args.get("having")
        or select.args.get("distinct")
        or _aggregates(select)
    )


def _aggregates(select: exp.Select) -> bool:
    return any(
        isinstance(node, exp.AggFunc) and node.find_ancestor(exp.Select) is select
        for projection in select.expressions
        for node in projection.walk()
    )


def apply_rownum_bounds(tree: exp.Query) -> exp.Query:
    """Limit rows before sorting/grouping where `extract_rownum` left a bound (after
    qualification). Returns the tree, which is a new node when its root select was wrapped."""
    for select in list(tree.find_all(exp.Select)):
        bound = select.meta.pop(_BOUND_KEY, None)
        if bound is None:
            continue
        if _prefilter_single_table(select, bound):
            continue
        grouped = select.args.get("group") or select.args.get("having")
        if grouped or select.args.get("distinct") or _aggregates(select):
            _limit(select, bound)  # joins that also group: the limit still comes last
            continue
        wrapped = _sort_outside(select, bound)
        if select is tree:
            tree = wrapped
        else:
            select.replace(wrapped)
    return tree


def _prefilter_single_table(select: exp.Select, bound: int) -> bool:
    """``FROM t WHERE c`` → ``FROM (SELECT * FROM t WHERE c LIMIT n) AS t``; False if joined."""
    source = select.args.get("from_")
    if select.args.get("joins") or source is None or not isinstance(source.this, exp.Table):
        return False
    table = source.this
    inner = exp.select("*").from_(table.copy())
    inner.set("where", select.args.get("where"))
    inner.set("limit", exp.Limit(expression=exp.Literal.number(bound)))
    select.set("where", None)
    source.set("this", inner.subquery(table.alias_or_name))
    return True


def _sort_outside(select: exp.Select, bound: int) -> exp.Select:
    """Run ``select`` without its ORDER BY and with ``LIMIT bound`` in a subquery; sort outside."""
    order = select.args.get("order")
    fetch, offset = select.args.get("limit"), select.args.get("offset")
    for key in ("order", "limit", "offset"):
        select.set(key, None)
    aliases = [projection.alias_or_name.lower() for projection in select.expressions]
    inner_names = [f"ns_c{i}" for i in range(len(aliases))]
    for projection, name in zip(list(select.expressions), inner_names, strict=True):
        value = projection.this if isinstance(projection, exp.Alias) else projection
        projection.replace(exp.alias_(value.copy(), name))
    outer = exp.select(
        *(
            exp.alias_(exp.column(name, "ns_rownum"), alias)
            for name, alias in zip(inner_names, aliases, strict=True)
        )
    )
    if order is not None:
        for position, ordered in enumerate(order.expressions):
            key = ordered.this
            if isinstance(key, exp.Column) and not key.table and key.name.lower() in aliases:
                target = inner_names[aliases.index(key.name.lower())]
            else:
                target = f"ns_o{position}"
                select.append("expressions", exp.alias_(key.copy(), target))
            ordered.set("this", exp.column(target, "ns_rownum"))
        outer.set("order", order)
    select.set("limit", exp.Limit(expression=exp.Literal.number(bound)))
    outer = outer.from_(select.copy().subquery("ns_rownum"))
    outer.set("limit", fetch)
    outer.set("offset", offset)
    return outer
