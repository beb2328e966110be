"""The bench's own plumbing: the Python load generator and the one table.

Figures are never asserted (the machine is shared); what is checked is that the
fallback load generator really sends requests and refuses to count error pages,
and that a section survives its trip through JSON into the table.
"""

from __future__ import annotations

import json

import pytest

from bench.load import _generate
from bench.report import Row, Section, findings, median_ratio, table
from tests.helpers.http_fixtures import LoopbackHTTPServer


@pytest.fixture
def http_server():
    with LoopbackHTTPServer() as server:
        server.set_json({}, path="/ok")
        server.set_response(b"{}", status=500)  # every other path
        yield server


def test_fallback_load_generator_sends_the_headers_it_is_given(http_server):
    rate = _generate(http_server.url("/ok"), 0.2, 2, ["Authorization: Bearer abc"])
    assert rate > 0
    seen = [(r.path, r.headers.get("Authorization")) for r in http_server.requests]
    assert seen and all(entry == ("/ok", "Bearer abc") for entry in seen)


def test_fallback_load_generator_refuses_to_count_error_answers(http_server):
    with pytest.raises(SystemExit, match="answered 500"):
        _generate(http_server.url("/broken"), 0.2, 1, [])


def test_a_section_survives_json_and_lands_in_the_table(tmp_path):
    section = Section(2, "HTTP", ["one line of method"], [Row("GET /api/whoami", 812.4, "req/s", 0.891, "ping", "target")])
    section.findings.append("behind for a reason")
    path = tmp_path / "section.json"
    section.save(path)
    loaded = Section.load(path)
    assert loaded == section
    assert json.loads(path.read_text())["rows"][0]["measure"] == "GET /api/whoami"
    assert "| 2 | GET /api/whoami | 812 | req/s | 0.89 | ping | target |" in table([loaded])
    assert findings([loaded]) == "- §2: behind for a reason"


def test_median_ratio_pairs_each_round_with_its_own_baseline():
    assert median_ratio([10, 30, 8], [10, 10, 2]) == 3.0
