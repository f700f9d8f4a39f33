"""Metabase as code: native-query syntax resolved like Metabase, payloads, init_sql safety."""

from __future__ import annotations

import duckdb
import pytest

from finops_lib import metabase
from finops_lib.errors import FinopsError


def test_optional_clause_dropped_without_value_and_bound_with_one():
    sql = "select 1 as x where true [[and 'a' = {{provider}}]]"
    text, params = metabase.to_duckdb(sql, {})
    assert params == {} and duckdb.execute(text).fetchall() == [(1,)]
    text, params = metabase.to_duckdb(sql, {"provider": "b"})
    assert params == {"provider": "b"}
    assert duckdb.execute(text, params).fetchall() == []


def test_required_variable_missing_is_an_error():
    with pytest.raises(FinopsError, match="provider"):
        metabase.to_duckdb("select {{provider}}", {})


def test_every_card_file_in_the_spec_exists_and_layout_fits_the_grid():
    cards = metabase.cards()
    assert len(cards) >= 9
    for card in cards:
        assert card.sql.strip()
        assert card.layout["col"] + card.layout["size_x"] <= 24


def test_card_payload_declares_its_template_tags():
    card = next(c for c in metabase.cards() if c.variables)
    payload = metabase.card_payload(card, database_id=3, collection_id=5)
    assert set(payload["dataset_query"]["native"]["template-tags"]) == set(card.variables)
    assert payload["dataset_query"]["database"] == 3


def test_init_sql_rejects_unsafe_paths_and_names():
    with pytest.raises(FinopsError):
        metabase.init_sql("/data/x'; drop table y; --", ["focus__cost_and_usage"])
    with pytest.raises(ValueError):
        metabase.init_sql("/data/published/parquet", ["bad name"])
    text = metabase.init_sql("/data/published/parquet", ["focus__cost_and_usage"])
    assert "focus_cost_and_usage" in text


def test_the_connection_has_a_view_for_every_table_a_card_reads():
    tables = metabase.tables_used(metabase.cards())
    assert {"focus__cost_and_usage", "marts__cost_allocation", "meta__config_trees"} <= set(tables)
    text = metabase.init_sql("/data/published/parquet", tables)
    for card in metabase.cards():
        for view in {m.group(0) for m in metabase.PUBLISHED_VIEW.finditer(card.sql)}:
            assert f'VIEW "{view}" AS' in text, (card.file, view)


def test_the_admin_password_never_shows_in_a_repr():
    admin = metabase.Admin("ops@example.com", "hunter2-not-shown")
    assert "hunter2-not-shown" not in repr(admin) and "ops@example.com" in repr(admin)


def test_sync_without_credentials_is_one_line_before_any_request():
    with pytest.raises(FinopsError, match="no Metabase credentials"):
        metabase.sync("http://127.0.0.1:9", admin=None, api_key="")
