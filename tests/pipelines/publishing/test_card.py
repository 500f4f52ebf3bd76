"""The dataset card, as huggingface_hub and `datasets` read it: generated from the data and the
WARC files' warcinfo, deterministic, with loading lines that run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from io import BytesIO
from pathlib import Path

import datasets
import pytest
from huggingface_hub import DatasetCard
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipelines.publishing.card import features_yaml
from pipelines.publishing.config import parse_splits
from pipelines.publishing.parquet import split_of
from pipelines.publishing.schema import DOCS, SCHEMAS
from tests.conftest import CrawlResult
from tests.pipelines.publishing.test_publish import ARTICLE, load, publish_cli


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_features_yaml_is_what_datasets_writes(name):
    schema = SCHEMAS[name]
    assert features_yaml(schema) == datasets.Features.from_arrow_schema(schema)._to_yaml_list()


def test_splits_are_stable_and_follow_ratios():
    splits = parse_splits("train=0.8,validation=0.1,test=0.1")
    keys = [f"/news/{i}" for i in range(5000)]
    first = [split_of(k, splits) for k in keys]
    assert first == [split_of(k, splits) for k in keys]
    share = first.count("train") / len(keys)
    assert 0.77 < share < 0.83
    assert split_of("/news/1", (("train", 1.0),)) == "train"


@pytest.mark.parametrize("bad", ["train=0.5", "train=0.5,dev=0.5", "train=x,test=1", ""])
def test_bad_split_settings_are_refused(bad):
    with pytest.raises(ValueError, match="DATASET_SPLITS"):
        parse_splits(bad)


# -- the card of a real publish -------------------------------------------------------------

HOSTILE = "Jane {Doe} 100% | <script>alert(1)</script> *x* [a](http://evil.example) ```"


def warc_with_info(path: Path, info: dict[str, str], pages: list[tuple[str, bytes]],
                   date: str = "2019-05-01T10:00:00Z") -> None:
    """A WARC written with warcio: a warcinfo record, then text/html responses, all at `date`."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        writer.write_record(writer.create_warcinfo_record(path.name, info))
        for url, body in pages:
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                    protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=BytesIO(body), length=len(body), http_headers=http,
                warc_headers_dict={"WARC-Date": date}))


@pytest.fixture(scope="module")
def two_sites(sitemap_crawl: CrawlResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo crawl and a site of one article from another producer, published together
    with three splits; its card."""
    tmp = tmp_path_factory.mktemp("twosites")
    other = tmp / "other.warc.gz"
    warc_with_info(other, {"software": "Heritrix/3.4.0 <b>|bold|</b>", "robots": "classic",
                           "operator": HOSTILE, "isPartOf": "news-2019",
                           "seeds": "http://site.example/ http://site.example/a|b <i>", "seed-count": "12"},
                   [("http://site.example/story", ARTICLE)])
    proc = publish_cli(*sitemap_crawl.warcs, other, "-o", tmp / "ds", "--splits",
                       "train=0.5,validation=0.25,test=0.25", cwd=tmp)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return tmp / "ds"


def card_of(dataset: Path) -> DatasetCard:
    return DatasetCard.load(dataset / "README.md")


def section(text: str, title: str) -> str:
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def table(text: str, header: str) -> list[list[str]]:
    """The rows of the Markdown table whose header line starts with `header`."""
    lines = text[text.index(header):].splitlines()[2:]
    rows = lines[:next((i for i, line in enumerate(lines) if not line.startswith("|")), len(lines))]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in rows]


def test_huggingface_hub_reads_the_card(two_sites):
    card = card_of(two_sites)
    data = card.data
    assert data.license == "unknown"  # DATASET_LICENSE not set
    assert data.pretty_name == "threadwarc: articles and comment threads"
    assert data.language == ["en"]
    assert data.size_categories == ["n<1K"]
    configs = {c["config_name"]: c for c in data.configs}
    assert set(configs) == {"articles", "comments"}
    assert configs["articles"]["default"] is True
    for c in data.configs:
        for entry in c["data_files"]:
            assert all((two_sites / p).is_file() for p in entry["path"])
    info = {i["config_name"]: i for i in data.dataset_info}
    for name, schema in SCHEMAS.items():
        assert info[name]["features"] == features_yaml(schema)
    # a card the Hub shows as written: the front matter round-trips through huggingface_hub
    assert DatasetCard(str(card)).data.to_dict() == data.to_dict()


def test_unset_license_and_contact_are_visible(two_sites):
    text = card_of(two_sites).text
    assert "> **License not set.**" in text
    assert "> **Contact not set.**" in text
    ethics = section(text, "License, terms and ethics")
    assert "- License: **not set** (`DATASET_LICENSE`). *The operator must fill this in.*" in ethics
    assert "- Contact: **not set** (`DATASET_CONTACT`)." in ethics


def test_the_cards_loading_lines_run(two_sites, hf_home):
    """The card's own code block, run as a user pastes it, in a clean HF_HOME."""
    code = re.search(r"## Loading\n\n```python\n(.*?)```", card_of(two_sites).text, re.DOTALL)[1]
    assert f"load_dataset({str(two_sites.resolve())!r}, 'articles')" in code
    assert "PATH_OR_REPO" not in code
    code += "print(json.dumps([{s: len(d[s]) for s in d} for d in (articles, comments)]))\n"
    env = {**os.environ, "HF_HOME": str(hf_home), "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
           "HF_DATASETS_DISABLE_PROGRESS_BARS": "1"}
    proc = subprocess.run([sys.executable, "-c", "import json\n" + code], capture_output=True, text=True,
                          env=env, cwd="/", timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    loaded = json.loads(proc.stdout)
    contents = table(card_of(two_sites).text, "| config |")  # config, train, validation, test
    names = ("train", "validation", "test")
    stated = [{s: int(n.replace(",", "")) for s, n in zip(names, row[1:], strict=True) if n != "0"}
              for row in contents]
    assert loaded == stated


def test_table_per_site_and_split_is_the_data(two_sites, hf_home):
    rows = {(r[0].strip("`"), r[1]): r for r in table(card_of(two_sites).text, "| site | split |")}
    arts = load(two_sites, "articles", hf_home)
    comments = load(two_sites, "comments", hf_home)
    expected = {}
    for a in arts:
        expected.setdefault((a["hostname"], a["_split"]), []).append(a)
    assert set(rows) == set(expected) | {("**all**", "all")}
    for (host, split), group in expected.items():
        ids = {a["article_id"] for a in group}
        mine = [c for c in comments if c["article_id"] in ids]
        depths = [c["depth"] for c in mine if c["depth"] is not None]
        row = rows[(host, split)]
        assert int(row[2]) == len(group)
        assert int(row[3].replace(",", "")) == len(mine)
        assert row[5].split(" ")[0] == (str(max(depths)) if depths else "-")
        for cell, column in ((row[6], "language"), (row[7], "platform"), (row[8], "comments_status")):
            counts = Counter(a[column] or "unknown" for a in group)
            ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            assert cell == ", ".join(f"{k} {n}" for k, n in ordered)
    assert {("127.0.0.1", "drupal7"), ("site.example", "generic")} <= {
        (a["hostname"], a["platform"]) for a in arts}


def test_every_column_is_described_with_its_nulls(two_sites):
    fields = section(card_of(two_sites).text, "Fields")
    for name, schema in SCHEMAS.items():
        rows = {r[0].strip("`"): r for r in table(fields.split(f"### `{name}`", 1)[1], "| field |")}
        assert list(rows) == schema.names
        for f in schema:
            assert rows[f.name][2] == DOCS[name][f.name][0]
            assert rows[f.name][3] == DOCS[name][f.name][1]
            assert rows[f.name][2]
            assert rows[f.name][3]
    parents = table(fields.split("### Parents per platform", 1)[1], "| platform |")
    assert [r[0] for r in parents] == ["`drupal7`", "`generic`"]  # this dataset's platforms
    assert "an earlier page" in parents[0][1]


def test_warcinfo_reaches_the_card_as_inert_text(two_sites, sitemap_crawl):
    text = card_of(two_sites).text
    crawled = section(text, "What was crawled")
    rows = {r[0]: r for r in table(crawled, "| crawl | files |")}
    m = re.fullmatch(r"(.+-\d{17})-\d{5}-(.+)\.warc\.gz", sitemap_crawl.warcs[0].name)
    ours = rows[f"`{m[1]}-{m[2]}`"]  # threadwarc's run: PREFIX-STAMP-HOST
    assert ours[2].startswith("threadwarc/")
    assert ours[3] == "obey"
    other = rows["`other`"]
    assert other[2] == "Heritrix/3.4.0 &#60;b&#62;&#124;bold&#124;&#60;/b&#62;"
    assert other[3] == "classic"
    assert other[4] == "http://site.example/, http://site.example/a&#124;b, &#60;i&#62; and 9 more"
    assert other[5].startswith("Jane &#123;Doe&#125; 100% &#124; &#60;script&#62;")
    outside_code = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    assert "<script>" not in outside_code
    assert "<b>" not in outside_code
    assert all(line.count(" | ") == 7 for line in crawled.splitlines() if line.startswith("| `"))
    assert "robots.txt, as the crawls' warcinfo states their policy: classic, obey." in text


def test_citation_block(two_sites):
    text = card_of(two_sites).text
    bib = re.search(r"```bibtex\n(.*?)```", text, re.DOTALL)[1]
    assert bib.startswith("@misc{threadwarc_articles_and_comment_threads_")
    assert bib.count("{") == bib.count("}")
    # BibTeX's specials escaped; the operator's backticks cannot close the code block
    assert ("  author       = {Jane \\{Doe\\} 100\\% | <script>alert(1)</script> *x* "
            "[a](http://evil.example) '''},") in bib
    assert text.endswith("}\n```\n")


def test_settings_fill_license_contact_and_hub_lines(tmp_path, hf_home):
    warc = tmp_path / "a.warc.gz"
    warc_with_info(warc, {"software": "test"}, [("http://site.example/story", ARTICLE)])
    # DATASET_HUB_REPO also pushes (tests/pipelines/publishing/test_hub.py): no token, no Hub here
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update({"HF_HOME": str(tmp_path / "hf_home"), "HF_ENDPOINT": "http://127.0.0.1:9"})
    proc = subprocess.run([sys.executable, "-m", "crawler", "publish", str(warc), "-o", str(tmp_path / "ds"),
                           "-s", "DATASET_LICENSE=cc-by-4.0", "-s", "DATASET_CONTACT=data@lab.example",
                           "-s", "DATASET_HUB_REPO=lab/news-threads",
                           "-s", "DATASET_PRETTY_NAME=Lab news threads"],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert proc.returncode == 5, proc.stderr[-2000:]  # published locally, not pushed
    assert "Not pushed to the Hub: no Hugging Face token" in proc.stderr
    card = card_of(tmp_path / "ds")
    assert card.data.license == "cc-by-4.0"
    assert card.data.pretty_name == "Lab news threads"
    assert "not set" not in card.text
    assert "- License: **cc-by-4.0**." in card.text
    assert "- Contact: data@lab.example." in card.text
    code = re.search(r"## Loading\n\n```python\n(.*?)```", card.text, re.DOTALL)[1]
    assert "articles = load_dataset('lab/news-threads', 'articles')  # the default config" in code
    # the card is for the Hub: no folder of this machine in it, a local copy's line instead
    assert "comments = load_dataset('./ds', 'comments')" in code
    assert "hf download --repo-type dataset lab/news-threads --local-dir ./ds" in code
    assert str(tmp_path) not in card.text
    assert "howpublished = {\\url{https://huggingface.co/datasets/lab/news-threads}}," in card.text
    bad = publish_cli(warc, "-o", tmp_path / "ds2", "-s", "DATASET_HUB_REPO=not a repo", cwd=tmp_path)
    assert bad.returncode == 2  # a usage error, before any work
    assert "'not a repo'" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert not (tmp_path / "ds2").exists()


def test_the_card_is_the_same_bytes_for_the_same_warcs(tmp_path):
    """No clock in the card: the same WARC published again later, into the same folder."""
    warc = tmp_path / "a.warc.gz"
    warc_with_info(warc, {"software": "test", "robots": "obey"}, [("http://site.example/story", ARTICLE)],
                   date="2019-05-01T10:00:00Z")
    cards = []
    for _ in range(2):
        proc = publish_cli(warc, "-o", tmp_path / "ds", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-2000:]
        cards.append((tmp_path / "ds" / "README.md").read_bytes())
    assert cards[0] == cards[1]
    text = cards[0].decode()
    assert "2019-05-01 10:00:00 UTC to 2019-05-01 10:00:00 UTC" in text
    assert re.findall(r"20\d\d-\d\d-\d\d", text) == ["2019-05-01"] * text.count("2019-05-01")
