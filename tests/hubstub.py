"""A stand-in for the Hugging Face Hub on 127.0.0.1: the HTTP API huggingface_hub's HfApi calls
to create a dataset repository, upload a folder as one commit, list and tag it, and what
`datasets.load_dataset("OWNER/NAME")` calls to read it back. Set HF_ENDPOINT to its URL.

Files are held in memory; every upload is asked for "regular" (in the commit) rather than LFS,
which a real Hub would ask for the Parquet shards. Every request is recorded (method, path,
headers, body) so tests can check what the client sent, the token included. A token other
than `token` gets a 401, as the Hub answers an invalid one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml


def git_oid(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Repo:
    private: bool
    files: dict[str, bytes] = field(default_factory=dict)
    commits: list[dict[str, Any]] = field(default_factory=list)  # oid, summary, added, deleted
    tags: dict[str, str] = field(default_factory=dict)  # name -> commit oid

    @property
    def sha(self) -> str:
        return self.commits[-1]["oid"] if self.commits else "0" * 40


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


class HubStub:
    def __init__(self, token: str = "hf_stubtoken0123456789") -> None:
        self.token = token
        self.repos: dict[str, Repo] = {}
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                stub.handle(self, "GET")

            def do_HEAD(self) -> None:
                stub.handle(self, "HEAD")

            def do_POST(self) -> None:
                stub.handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HubStub:
        self.thread.start()
        return self

    def __exit__(self, *args: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- dispatch ------------------------------------------------------------------------------

    def handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        parts = urlsplit(h.path)
        path, query = unquote(parts.path), parse_qs(parts.query)
        with self.lock:
            self.requests.append(Request(method, h.path, {k.lower(): v for k, v in h.headers.items()}, body))
            status, headers, payload = self.route(method, path, query, h.headers.get("Authorization"), body)
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        h.send_response(status)
        headers.setdefault("Content-Type", "application/json")
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        if method != "HEAD":
            h.wfile.write(data)

    def route(
        self, method: str, path: str, query: dict[str, list[str]], auth: str | None, body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        authorized = auth == f"Bearer {self.token}"
        if auth and not authorized:
            return (
                401,
                {"X-Error-Message": "Invalid credentials in Authorization header"},
                {"error": "Invalid credentials in Authorization header"},
            )
        if path == "/api/repos/create" and method == "POST":
            if not authorized:
                return 401, {}, {"error": "You must be logged in"}
            req = json.loads(body)
            repo_id = f"{req['organization'] or 'tester'}/{req['name']}"
            if repo_id in self.repos:
                return (
                    409,
                    {},
                    {
                        "error": "You already created this dataset repo",
                        "url": f"{self.url}/datasets/{repo_id}",
                    },
                )
            self.repos[repo_id] = Repo(private=req.get("visibility") == "private" or bool(req.get("private")))
            return 200, {}, {"url": f"{self.url}/datasets/{repo_id}", "name": repo_id}
        if path == "/api/validate-yaml" and method == "POST":  # the card's front matter, as YAML
            content = json.loads(body)["content"]
            head = content.split("---", 2)[1] if content.startswith("---") else ""
            try:
                meta = yaml.safe_load(head)
            except yaml.YAMLError as exc:
                return 400, {}, {"errors": [{"message": f"invalid YAML: {exc}"}]}
            if not isinstance(meta, dict):
                return 400, {}, {"errors": [{"message": "the metadata is not a mapping"}]}
            return 200, {}, {"errors": [], "warnings": []}
        if path.startswith("/api/datasets/"):
            rest = path[len("/api/datasets/") :].split("/")
            repo_id, action, args = "/".join(rest[:2]), rest[2] if len(rest) > 2 else "", rest[3:]
            repo = self.repos.get(repo_id)
            if repo is None or (repo.private and not authorized):
                return 404, {"X-Error-Code": "RepoNotFound"}, {"error": "Repository not found"}
            return self.api(repo_id, repo, method, action, args, query, body, authorized)
        if path.startswith("/datasets/") and "/resolve/" in path:
            repo_id, _, rest = path[len("/datasets/") :].partition("/resolve/")
            _, _, file = rest.partition("/")
            repo = self.repos.get(repo_id)
            if repo is None or file not in repo.files:
                return 404, {"X-Error-Code": "EntryNotFound"}, {"error": "Entry not found"}
            data = repo.files[file]
            return (
                200,
                {
                    "ETag": f'"{git_oid(data)}"',
                    "X-Repo-Commit": repo.sha,
                    "Content-Type": "application/octet-stream",
                },
                data,
            )
        return 404, {}, {"error": f"no such endpoint: {method} {path}"}

    def api(
        self,
        repo_id: str,
        repo: Repo,
        method: str,
        action: str,
        args: list[str],
        query: dict[str, list[str]],
        body: bytes,
        authorized: bool,
    ) -> tuple[int, dict[str, str], Any]:
        if action == "preupload" and method == "POST":
            files = json.loads(body)["files"]
            return (
                200,
                {},
                {
                    "files": [
                        {
                            "path": f["path"],
                            "uploadMode": "regular",
                            "shouldIgnore": False,
                            "oid": git_oid(repo.files[f["path"]]) if f["path"] in repo.files else None,
                        }
                        for f in files
                    ]
                },
            )
        if action == "commit" and method == "POST":
            if not authorized:
                return 401, {}, {"error": "You must be logged in"}
            return 200, {}, self.commit(repo_id, repo, body)
        if action in ("revision", "") and method == "GET":
            return (
                200,
                {},
                {
                    "id": repo_id,
                    "sha": repo.sha,
                    "private": repo.private,
                    "siblings": [{"rfilename": p} for p in sorted(repo.files)],
                    "tags": [],
                    "cardData": {},
                    "lastModified": "2026-12-02T00:00:00.000Z",
                },
            )
        if action == "tree" and method == "GET":
            prefix = "/".join(args[1:]).strip("/")
            entries, folders = [], set()
            for p in sorted(repo.files):
                if prefix and not p.startswith(prefix + "/"):
                    continue
                rel = p[len(prefix) + 1 :] if prefix else p
                if "/" in rel and query.get("recursive", ["false"])[0].lower() not in ("true", "1"):
                    folders.add((prefix + "/" if prefix else "") + rel.split("/")[0])
                    continue
                entries.append(
                    {"type": "file", "oid": git_oid(repo.files[p]), "size": len(repo.files[p]), "path": p}
                )
            entries += [{"type": "directory", "oid": "0" * 40, "size": 0, "path": d} for d in sorted(folders)]
            return 200, {}, entries
        if action == "paths-info" and method == "POST":
            wanted = (
                parse_qs(body.decode()).get("paths", []) if body[:1] != b"{" else json.loads(body)["paths"]
            )
            return (
                200,
                {},
                [
                    {"type": "file", "path": p, "oid": git_oid(repo.files[p]), "size": len(repo.files[p])}
                    for p in wanted
                    if p in repo.files
                ],
            )
        if action == "refs" and method == "GET":
            return (
                200,
                {},
                {
                    "branches": [{"name": "main", "ref": "refs/heads/main", "targetCommit": repo.sha}],
                    "converts": [],
                    "tags": [
                        {"name": t, "ref": f"refs/tags/{t}", "targetCommit": oid}
                        for t, oid in repo.tags.items()
                    ],
                },
            )
        if action == "tag" and method == "POST":
            if not authorized:
                return 401, {}, {"error": "You must be logged in"}
            tag = json.loads(body)["tag"]
            if tag in repo.tags:
                return 409, {}, {"error": f"Tag {tag} already exists"}
            repo.tags[tag] = repo.sha
            return 200, {}, {}
        return 404, {}, {"error": f"no such endpoint: {method} {action}"}

    def commit(self, repo_id: str, repo: Repo, body: bytes) -> dict[str, Any]:
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        header = next(x["value"] for x in lines if x["key"] == "header")
        added, deleted = [], []
        for item in lines:
            value = item["value"]
            if item["key"] == "file":
                repo.files[value["path"]] = base64.b64decode(value["content"])
                added.append(value["path"])
            elif item["key"] == "deletedFile":
                repo.files.pop(value["path"], None)
                deleted.append(value["path"])
            elif item["key"] == "deletedFolder":
                for p in [p for p in repo.files if p.startswith(value["path"].rstrip("/") + "/")]:
                    repo.files.pop(p)
                    deleted.append(p)
        oid = hashlib.sha1(
            json.dumps([repo.sha, header, sorted(added), sorted(deleted)]).encode()
        ).hexdigest()
        repo.commits.append(
            {
                "oid": oid,
                "summary": header.get("summary", ""),
                "description": header.get("description", ""),
                "added": added,
                "deleted": deleted,
            }
        )
        return {"commitUrl": f"{self.url}/datasets/{repo_id}/commit/{oid}", "commitOid": oid, "success": True}
