"""The official client's artifact uploads into a bucket at the protocol level, replaying the
calls a real 0.31.0 client makes (``tests/wandb_protocol/fixtures``) against a real
``heron server`` and moto: the multipart upload the client uses for its largest files (2 GiB
and more, too large to log here) and a file whose bytes are not the MD5 it was announced with."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.s3 import S3Media
from tests.support.server import heron_servers
from tests.wandb_protocol.conftest import Heron, fixture

COMPLETE_MULTIPART = """
mutation CompleteMultipartUploadArtifact ($completeMultipartAction: CompleteMultipartAction!, \
$completedParts: [UploadPartsInput!]!, $artifactID: ID!, $storagePath: String!, \
$uploadID: String!) {
	completeMultipartUploadArtifact(input: {completeMultipartAction:$completeMultipartAction,\
completedParts:$completedParts,artifactID:$artifactID,storagePath:$storagePath,\
uploadID:$uploadID}) {
		digest
	}
}
"""
"""What wandb-core sends after the parts (its ``gql_gen.go``)."""
PART = 5 << 20
"""S3's smallest part but the last."""


@pytest.fixture
def server(s3_media: S3Media, tmp_path: Path) -> Iterator[Heron]:
    with heron_servers(f"sqlite:///{tmp_path / 'heron.db'}", s3_media.url,
                       env=s3_media.env) as (process,):
        yield Heron(process.url, process.wait_admin_key())


class Client:
    """The official client's artifact calls, as captured, with this test's values."""

    def __init__(self, server: Heron) -> None:
        self.server = server
        self.captured = {r["operationName"]: r for r in fixture("artifact_0.31.0_log")
                         if r.get("operationName")}

    def call(self, operation: str, variables: dict[str, Any],
             query: str | None = None, status: int = 200) -> dict[str, Any]:
        answer = httpx.post(self.server.url + "/graphql", auth=("api", self.server.key),
                            timeout=60, json={
                                "operationName": operation, "variables": variables,
                                "query": query or self.captured[operation]["query"]})
        assert answer.status_code == status, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def start(self, run: str, project: str) -> None:
        variables = {**self.captured["UpsertBucket"]["variables"], "name": run,
                     "project": project}
        assert "errors" not in self.call("UpsertBucket", variables)

    def create(self, run: str, project: str, name: str, manifest: dict[str, Any]) -> str:
        variables = json.loads(json.dumps(self.captured["CreateArtifact"]["variables"]))
        variables["input"].update({
            "artifactCollectionName": name, "projectName": project, "runName": run,
            "aliases": [{"alias": "latest", "artifactCollectionName": name}],
            "digest": hashlib.md5(json.dumps(manifest).encode()).hexdigest()})
        artifact_id = str(self.call("CreateArtifact", variables)["data"]["createArtifact"][
            "artifact"]["id"])
        made = self.call("CreateArtifactManifest", {
            **self.captured["CreateArtifactManifest"]["variables"], "artifactID": artifact_id,
            "projectName": project, "runName": run, "includeUpload": True})
        file = made["data"]["createArtifactManifest"]["artifactManifest"]["file"]
        assert httpx.put(file["uploadUrl"], content=json.dumps(manifest).encode(),
                         timeout=60).status_code == 200
        return artifact_id

    def files(self, artifact_id: str, specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        answer = self.call("CreateArtifactFiles", {"storageLayout": "V2", "input": {
            "artifactFiles": [{"artifactID": artifact_id, "artifactManifestID": None,
                               "mimetype": None, "uploadPartsInput": None, **spec}
                              for spec in specs]}})
        return [edge["node"] for edge in answer["data"]["createArtifactFiles"]["files"]["edges"]]


def _b64md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def _manifest(path: str, data: bytes) -> dict[str, Any]:
    return {"version": 1, "storagePolicy": "wandb-storage-policy-v1",
            "storagePolicyConfig": {"storageLayout": "V2"},
            "contents": {path: {"digest": _b64md5(data), "size": len(data)}}}


def test_a_multipart_upload_goes_into_the_bucket_and_becomes_the_version(
        server: Heron, s3_media: S3Media, tmp_path: Path) -> None:
    data = os.urandom(PART) + os.urandom(1000)
    parts = [data[:PART], data[PART:]]
    client = Client(server)
    client.start("mp1", "parts")
    artifact_id = client.create("mp1", "parts", "weights", _manifest("weights.bin", data))
    (node,) = client.files(artifact_id, [{
        "name": "weights.bin", "md5": _b64md5(data), "uploadPartsInput": [
            {"partNumber": n, "hexMD5": hashlib.md5(p).hexdigest()}
            for n, p in enumerate(parts, 1)]}])
    assert node["uploadUrl"] is None
    offered = node["uploadMultipartUrls"]
    assert [p["partNumber"] for p in offered["uploadUrlParts"]] == [1, 2]
    assert all(p["uploadUrl"].startswith(s3_media.endpoint) for p in offered["uploadUrlParts"])
    etags = []
    for url, part in zip((p["uploadUrl"] for p in offered["uploadUrlParts"]), parts,
                         strict=True):
        sent = httpx.put(url, content=part, timeout=60,
                         headers={"Content-MD5": base64.b64encode(
                             hashlib.md5(part).digest()).decode()})
        assert sent.status_code == 200, sent.text
        etags.append(sent.headers["ETag"])
    joined = client.call("CompleteMultipartUploadArtifact", {
        "completeMultipartAction": "Complete", "artifactID": artifact_id,
        "storagePath": node["storagePath"], "uploadID": offered["uploadID"],
        "completedParts": [{"partNumber": n, "hexMD5": e} for n, e in enumerate(etags, 1)]},
        query=COMPLETE_MULTIPART)
    assert joined["data"]["completeMultipartUploadArtifact"]["digest"] == _b64md5(data)

    committed = client.call("CommitArtifact", {"artifactID": artifact_id})
    assert "errors" not in committed and committed["data"]["commitArtifact"]["artifact"]["id"]
    version = server.api().artifact("parts/weights:latest")
    got = Path(version.download(str(tmp_path / "got"))) / "weights.bin"
    assert got.read_bytes() == data
    stored = f"media/{hashlib.sha256(data).hexdigest()[:2]}/{hashlib.sha256(data).hexdigest()}"
    assert stored in s3_media.keys("media/")
    assert s3_media.keys("incoming/") == []


def test_bytes_that_are_not_the_announced_md5_make_no_version(
        server: Heron, s3_media: S3Media, tmp_path: Path) -> None:
    data = b"the announced bytes" * 100
    client = Client(server)
    client.start("md5", "parts")
    artifact_id = client.create("md5", "parts", "table", _manifest("table.csv", data))
    (node,) = client.files(artifact_id, [{"name": "table.csv", "md5": _b64md5(data)}])
    assert node["uploadUrl"].startswith(s3_media.endpoint)
    assert node["uploadHeaders"] == [f"Content-MD5:{_b64md5(data)}"]
    # moto does not check the signed Content-MD5 as S3 does: the server must.
    assert httpx.put(node["uploadUrl"], content=b"other bytes", timeout=60).status_code == 200

    refused = client.call("CommitArtifact", {"artifactID": artifact_id}, status=422)
    message = refused["errors"][0]["message"]
    assert hashlib.md5(data).hexdigest() in message and "send it again" in message
    assert s3_media.keys("incoming/") == []  # the wrong bytes are dropped
    assert list(server.api().artifact_collections("parts")) == []

    # The client sends the file again, and the version is made.
    again = client.files(artifact_id, [{"name": "table.csv", "md5": _b64md5(data)}])[0]
    assert httpx.put(again["uploadUrl"], content=data, timeout=60,
                     headers={"Content-MD5": _b64md5(data)}).status_code == 200
    committed = client.call("CommitArtifact", {"artifactID": artifact_id})
    assert "errors" not in committed and committed["data"]["commitArtifact"]["artifact"]["id"]
    got = Path(server.api().artifact("parts/table:latest").download(str(tmp_path / "got")))
    assert (got / "table.csv").read_bytes() == data
