"""Charts are inline SVG drawn on the server: no script, nothing fetched, every label escaped."""

from __future__ import annotations

from outlier.analytics.charts import Series, bar_chart, line_chart, nice_ceiling


def test_a_line_chart_is_self_contained_svg():
    svg = str(line_chart([Series("Clicks", [1, 5, None, 3]), Series("Before", [2, 2, 2, 2],
                                                                     dashed=True)],
                         ["1 Nov", "2 Nov", "3 Nov", "4 Nov"], "Clicks per day"))  # fmt: skip
    assert svg.count("<svg") == 1 and 'role="img"' in svg and 'aria-label="Clicks per day"' in svg
    assert "<script" not in svg and "href" not in svg
    assert "stroke-dasharray" in svg  # the previous period
    assert "Clicks, 2 Nov: 5" in svg  # hover titles
    assert svg.count("<polyline") == 2 and "<circle" in svg  # the gap splits the line


def test_labels_are_escaped():
    svg = str(line_chart([Series("<b>x</b>", [1, 2])], ["<a", "b>"], "T&C"))
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "T&amp;C" in svg
    bars = str(bar_chart([("<img src=x onerror=alert(1)>", 3)], "Top"))
    assert "<img" not in bars and "&lt;img" in bars


def test_no_data_says_so():
    assert "no data" in str(line_chart([Series("Clicks", [])], [], "Clicks"))
    assert "no data" in str(bar_chart([("a", 0)], "Funnel"))


def test_axis_steps_are_round():
    assert [nice_ceiling(v) for v in (0, 1, 7, 13, 240, 999, 1001)] == [1, 1, 10, 20, 250, 1000,
                                                                        2000]  # fmt: skip
