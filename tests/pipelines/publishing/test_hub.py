"""`scrapy publish ... --push-to-hub OWNER/NAME` against a stand-in for the Hub on loopback
(tests/hubstub.py, HF_ENDPOINT): what the Hub receives, one commit and one tag per version,
the token never shown, failures in one line with the local dataset published."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CrawlResult, DemoSite, crawl_command, run_crawl
from tests.hubstub import HubStub

PUSH_FAILED = 5  # crawler/commands/publish.py: published locally, not pushed to the Hub


@pytest.fixture(scope="module")
def warcs(demo_site: DemoSite, tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    article = min(
        (a for a in demo_site.truth["articles"] if a["comment_count"] >= 5), key=lambda a: a["comment_count"]
    )
    tmp = tmp_path_factory.mktemp("hubcrawl")
    result = run_crawl(tmp / "warc", "-a", f"start_urls={article['url']}")
    assert result.returncode == 0, result.log[-3000:]
    return result


@pytest.fixture
def hub() -> Iterator[HubStub]:
    with HubStub() as stub:
        yield stub


def env(hub: HubStub, tmp: Path, token: str | None) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    out.update(
        {
            "HF_ENDPOINT": hub.url,
            "HF_HOME": str(tmp / "hf_home"),
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
        }
    )
    if token is not None:
        out["HF_TOKEN"] = token
    return out


def publish(
    warcs: CrawlResult, out: Path, environ: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler", "publish", str(warcs.warc_dir), "-o", str(out), *args],
        capture_output=True,
        text=True,
        timeout=600,
        env=environ,
        cwd=out.parent,
    )


def local_files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }


def test_push_uploads_the_dataset_as_one_commit_tagged_and_loadable(warcs, hub, tmp_path):
    environ = env(hub, tmp_path, hub.token)
    done = publish(warcs, tmp_path / "ds", environ, "--push-to-hub", "alice/news")
    assert done.returncode == 0, done.stderr[-3000:]
    repo = hub.repos["alice/news"]
    assert not repo.private
    assert repo.files == local_files(tmp_path / "ds")  # byte for byte, card and shards
    [commit] = repo.commits
    assert commit["summary"].startswith("Publish ")
    assert "crawled 20" in commit["summary"]  # the crawl dates
    [(tag, oid)] = repo.tags.items()
    assert (tag[:2], oid) == ("v-", commit["oid"])
    writes = [r for r in hub.requests if r.method == "POST" and r.path != "/api/validate-yaml"]
    assert {r.path.split("?")[0].rsplit("/", 2)[-2] for r in writes} >= {"repos", "commit", "tag"}
    assert {r.headers.get("authorization") for r in writes} == {f"Bearer {hub.token}"}
    assert f"Pushed to {hub.url}/datasets/alice/news" in done.stdout + done.stderr
    for text in (done.stdout, done.stderr, (tmp_path / "ds" / "README.md").read_text()):
        assert hub.token not in text
    card = (tmp_path / "ds" / "README.md").read_text()
    assert re.search(r"""load_dataset\(["']alice/news["'], ["']comments["']\)""", card)  # the Hub's line
    assert str(tmp_path) not in card  # no folder of this machine goes public
    code = (
        "import json, datasets\n"
        "d = datasets.load_dataset('alice/news', 'articles')\n"
        "print(json.dumps(sorted(r['url'] for s in d for r in d[s])))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environ, timeout=300
    )
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert len(json.loads(loaded.stdout)) == 1  # the one article crawled, from the stand-in Hub


def test_the_same_dataset_pushed_again_is_one_version_and_a_new_one_replaces_its_files(warcs, hub, tmp_path):
    environ = env(hub, tmp_path, hub.token)
    first = publish(warcs, tmp_path / "ds", environ, "--push-to-hub", "alice/news")
    assert first.returncode == 0, first.stderr[-3000:]
    again = publish(warcs, tmp_path / "ds", environ, "--push-to-hub", "alice/news")
    assert again.returncode == 0, again.stderr[-3000:]
    repo = hub.repos["alice/news"]
    assert len(repo.commits) == len(repo.tags) == 1
    assert "already on the Hub" in again.stdout + again.stderr
    other = publish(warcs, tmp_path / "ds", environ, "--push-to-hub", "alice/news", "--splits", "test=1")
    assert other.returncode == 0, other.stderr[-3000:]
    assert len(repo.commits) == len(repo.tags) == 2
    assert repo.files == local_files(tmp_path / "ds")  # the first version's shards deleted
    assert repo.commits[1]["deleted"]


def test_private(warcs, hub, tmp_path):
    done = publish(
        warcs, tmp_path / "ds", env(hub, tmp_path, hub.token), "--push-to-hub", "alice/news", "--private"
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert hub.repos["alice/news"].private
    [create] = [r for r in hub.requests if r.path == "/api/repos/create"]
    assert json.loads(create.body)["visibility"] == "private"


@pytest.mark.parametrize("case", ["no token", "wrong token", "no hub"])
def test_a_push_that_fails_is_one_line_and_the_local_dataset_stays(warcs, hub, tmp_path, case):
    token = {"no token": None, "wrong token": "hf_notthetoken0123456789", "no hub": hub.token}[case]
    environ = env(hub, tmp_path, token)
    if case == "no hub":
        environ["HF_ENDPOINT"] = "http://127.0.0.1:9"  # nothing listens on the discard port
    done = publish(warcs, tmp_path / "ds", environ, "--push-to-hub", "alice/news")
    assert done.returncode == PUSH_FAILED, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    [line] = [ln for ln in done.stderr.splitlines() if "Not pushed to the Hub" in ln]
    assert {"no token": "HF_TOKEN", "wrong token": "not valid (401)", "no hub": "cannot reach"}[case] in line
    assert "notthetoken" not in done.stdout + done.stderr
    assert (tmp_path / "ds" / "README.md").is_file()  # published locally all the same
    assert hub.repos == {}


def test_a_bad_repository_name_is_refused_before_publishing(warcs, hub, tmp_path):
    done = publish(warcs, tmp_path / "ds", env(hub, tmp_path, hub.token), "--push-to-hub", "../etc")
    assert done.returncode == 2
    assert "OWNER/NAME" in done.stderr
    assert not (tmp_path / "ds").exists()


def test_a_crawl_with_dataset_hub_repo_pushes_its_dataset(demo_site, hub, tmp_path):
    article = min((a for a in demo_site.truth["articles"] if a["comment_count"] >= 5),
                  key=lambda a: a["comment_count"])
    environ = env(hub, tmp_path, hub.token)
    cmd = crawl_command(tmp_path / "warc", "-a", f"start_urls={article['url']}",
                        "-s", f"DATASET_DIR={tmp_path / 'ds'}", "-s", "DATASET_HUB_REPO=alice/crawled")
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=environ, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert hub.repos["alice/crawled"].files == local_files(tmp_path / "ds")
    assert "INFO: Pushed to " in done.stderr
    environ["HF_TOKEN"] = "hf_notthetoken0123456789"
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=environ, cwd=tmp_path)
    assert again.returncode == 1, again.stderr[-3000:]  # archive or publish failed
    assert "ERROR: Not pushed to the Hub: " in again.stderr
    assert "notthetoken" not in again.stderr
