"""Cost allocation as code: virtual dimensions and shared-cost split (``[allocation]``).

A *dimension* (team, product, environment...) gives every FOCUS row one value through ordered
rules, first match wins, else its default (``unallocated``). A rule sets a literal ``value`` or
takes the value of the first tag key present (``tag``), optionally narrowed by ``where``: FOCUS
columns or ``tag:<key>`` matched by case-sensitive globs (``*``, ``?``) or ``re:<regex>``.
A *shared rule* takes the rows it matches out of a dimension and splits them across the
dimension's values (``even``, ``proportional`` to each value's own EffectiveCost in the same
billing period and currency, or ``fixed`` percentages), to the last unit of the column's scale
(largest remainder), so every period still sums to ``focus.cost_and_usage``.

:func:`parse` validates the ``[allocation]`` tree (a :class:`ConfigError` names the rule);
:func:`apply` writes ``marts.cost_allocation`` (long: one row per dimension and group) with the
rules compiled to SQL whose every pattern and value is a bound parameter.
"""

from finops_lib.allocation.mart import (
    GROUP_COLUMNS,
    MART_COLUMNS,
    TABLE,
    Params,
    apply,
    is_current,
    normalise_tag_key,
    shared_sql,
    tag_expr,
    where_sql,
    wide_select,
)
from finops_lib.allocation.rules import (
    DEFAULT_VALUE,
    METHODS,
    Allocation,
    Condition,
    Dimension,
    Pattern,
    Rule,
    SharedRule,
    column_types,
    parse,
    tree_json,
)

__all__ = [
    "DEFAULT_VALUE",
    "GROUP_COLUMNS",
    "MART_COLUMNS",
    "METHODS",
    "TABLE",
    "Allocation",
    "Condition",
    "Dimension",
    "Params",
    "Pattern",
    "Rule",
    "SharedRule",
    "apply",
    "is_current",
    "column_types",
    "normalise_tag_key",
    "parse",
    "shared_sql",
    "tag_expr",
    "tree_json",
    "where_sql",
    "wide_select",
]
