"""Reports of the review: JSON, CSV and one self-contained HTML file with inline SVG charts.

`build_report` gathers the review and the experiments once; `write_csv` and `render_html` only
format what it gathered (no queries of their own).
"""

from __future__ import annotations

from pinbot.report.csv_out import write_csv
from pinbot.report.html import render_html, write_html
from pinbot.report.model import Report, build_report

__all__ = ["Report", "build_report", "render_html", "write_csv", "write_html"]
