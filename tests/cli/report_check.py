#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Checks a page from `som report` (tests/cli/report.sh):
#   report_check.py page PAGE.html SECTION-ID...   parses as XML (XHTML) and
#       with html.parser, has <section id=...> with an <h2> for every id
#       given, and every inline <svg> parses as XML on its own;
#       prints "sections N svgs M"
#   report_check.py json REPORT.json EVAL.json     valid JSON whose quality
#       numbers equal `som eval --json`'s; prints "qe Q"
# Exit 0 when every check holds, 1 with a message otherwise.
import html.parser
import json
import re
import sys
import xml.etree.ElementTree as ET

XHTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"


def fail(msg):
    print("report_check: " + msg, file=sys.stderr)
    sys.exit(1)


class Strict(html.parser.HTMLParser):
    """html.parser never raises on bad markup: count what it saw instead."""

    def __init__(self):
        super().__init__()
        self.tags = 0

    def handle_starttag(self, tag, attrs):
        self.tags += 1


def check_page(path, ids):
    text = open(path, encoding="utf-8").read()
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as e:
        fail("%s does not parse as XML: %s" % (path, e))
    if root.tag != XHTML + "html":
        fail("root element is %s, not XHTML html" % root.tag)
    p = Strict()
    p.feed(text)
    p.close()
    if p.tags < 50:
        fail("html.parser found only %d tags" % p.tags)
    sections = {s.get("id"): s for s in root.iter(XHTML + "section")}
    for i in ids:
        s = sections.get(i)
        if s is None:
            fail("no <section id=\"%s\">" % i)
        h2 = s.find(XHTML + "h2")
        if h2 is None or not (h2.text or "").strip():
            fail("section %s has no heading" % i)
    # Every inline picture on its own, as the text the page holds.
    svgs = re.findall(r"<svg\b.*?</svg>", text, flags=re.S)
    if len(svgs) != len(list(root.iter(SVG + "svg"))):
        fail("the page's text and its tree disagree on the number of pictures")
    ids_seen = set()
    for k, s in enumerate(svgs):
        try:
            el = ET.fromstring(s)
        except ET.ParseError as e:
            fail("picture %d does not parse: %s" % (k + 1, e))
        if not el.get("viewBox"):
            fail("picture %d has no viewBox (it would not scale)" % (k + 1))
        for node in el.iter():
            i = node.get("id")
            if i is None:
                continue
            if i in ids_seen:
                fail("id %s appears twice in the page" % i)
            ids_seen.add(i)
    if re.search(r"<script\b|https?://(?!www\.w3\.org/)", text):
        fail("the page has a script or a network reference")
    print("sections %d svgs %d" % (len(sections), len(svgs)))


def check_json(path, eval_path):
    try:
        rep = json.load(open(path))
        ev = json.load(open(eval_path))
    except ValueError as e:
        fail("not JSON: %s" % e)
    q = rep.get("quality")
    if not isinstance(q, dict):
        fail("no quality object")
    for key in ("qe", "te", "samples", "units", "units_hit", "max_hits"):
        if q.get(key) != ev.get(key):
            fail("quality.%s is %r, som eval says %r" % (key, q.get(key), ev.get(key)))
    if q["dead_units"] != ev["units"] - ev["units_hit"]:
        fail("dead_units %r is not units - units_hit" % q["dead_units"])
    if sum(q["hits"]) != ev["samples"]:
        fail("hits do not add up to the rows")
    cl = rep["clusters"]
    if sum(p["rows"] for p in cl["profiles"]) != ev["samples"]:
        fail("cluster rows do not add up to the rows")
    if sum(p["units"] for p in cl["profiles"]) != ev["units"]:
        fail("cluster units do not add up to the units")
    dim = rep["model"]["dim"]
    n = len(rep["similarity"]["fields"])
    m = rep["similarity"]["correlation"]
    if n != min(dim, 200) or len(m) != n or any(len(r) != n for r in m):
        fail("the correlation matrix is not %d x %d" % (n, n))
    for a in range(n):
        for b in range(n):
            if m[a][b] != m[b][a]:
                fail("the correlation matrix is not symmetric")
    print("qe %r" % q["qe"])


if len(sys.argv) >= 3 and sys.argv[1] == "page":
    check_page(sys.argv[2], sys.argv[3:])
elif len(sys.argv) == 4 and sys.argv[1] == "json":
    check_json(sys.argv[2], sys.argv[3])
else:
    fail("usage: report_check.py page PAGE ID... | json REPORT EVAL")
