"""The console's HTTP API over a store filled directly: lists, filters, paging, one incident,
a series with its bands, writes to the topics, bad parameters, tokens."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

from dexwatch.console.page_routes import PAGE_PATHS
from dexwatch.console.store.ingest_batch import IngestBatch
from dexwatch.schemas.feedback import FeedbackEvent
from dexwatch.schemas.incident_control import IncidentControl
from tests.console.events import anomaly, score
from tests.console.served_api import READ, TOPICS, WRITE, served_api
from tests.sinks.incidents import incident

FILLED = IngestBatch(
    anomalies=[
        anomaly(pool, hour, severity=50 + pool) for pool in range(1, 4) for hour in range(5)
    ],
    incidents=[incident(1, 1), incident(1, 2), incident(2, 1, chain="arbitrum")],
    scores=[score(1, hour, 2000.0 if hour == 30 else 500.0) for hour in range(48)],
)


def test_anomalies_are_listed_filtered_and_paged(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with served_api(tmp_path, FILLED) as api:
            status, body = await api.get("/api/v1/anomalies", limit=10)
            assert status == 200
            assert len(body["items"]) == 10
            assert body["next_cursor"]
            status, rest = await api.get("/api/v1/anomalies", limit=10, cursor=body["next_cursor"])
            ids = {a["anomaly_id"] for a in body["items"] + rest["items"]}
            assert len(ids) == 15
            assert "next_cursor" not in rest
            _, pool2 = await api.get("/api/v1/anomalies", **{"dim.pool": "0x0002"})
            assert {a["dimensions"]["pool"] for a in pool2["items"]} == {"0x0002"}
            _, severe = await api.get("/api/v1/anomalies", min_severity=53)
            assert len(severe["items"]) == 5
            _, late = await api.get("/api/v1/anomalies", since="2026-01-05T03:00:00Z")
            assert len(late["items"]) == 6

    asyncio.run(scenario())


def test_bad_parameters_are_400_naming_the_parameter(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with served_api(tmp_path, FILLED) as api:
            for path, params, name in (
                ("/api/v1/anomalies", {"min_severity": "high"}, "min_severity"),
                ("/api/v1/anomalies", {"limit": "0"}, "limit"),
                ("/api/v1/anomalies", {"since": "yesterday"}, "since"),
                ("/api/v1/anomalies", {"kind": "odd"}, "kind"),
                ("/api/v1/anomalies", {"cursor": "%%%"}, "cursor"),
                ("/api/v1/incidents", {"status": "closed"}, "status"),
                ("/api/v1/series/points", {"dataset": "pools"}, "series"),
                ("/api/v1/anomalies", {"since": "10", "until": "5"}, "until"),
            ):
                status, body = await api.get(path, **params)
                assert status == 400, (path, params, body)
                assert body["error"] == "bad_parameter"
                assert body["parameter"] == name
                assert name in body["detail"]

    asyncio.run(scenario())


def test_one_incident_with_all_its_versions(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with served_api(tmp_path, FILLED) as api:
            _, listed = await api.get("/api/v1/incidents", **{"group.chain": "ethereum"})
            [item] = listed["items"]
            assert item["version"] == 2
            status, body = await api.get(f"/api/v1/incidents/{item['incident_id']}")
            assert status == 200
            assert [v["version"] for v in body["versions"]] == [1, 2]
            assert body["incident"]["version"] == 2
            assert body["control"] is None
            status, missing = await api.get("/api/v1/incidents/nope")
            assert status == 404
            assert missing["error"] == "not_found"

    asyncio.run(scenario())


def test_a_series_points_come_with_their_bands(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with served_api(tmp_path, FILLED) as api:
            params = {"dataset": "pools", "series": "chain=ethereum,pool=0x0001"}
            _, body = await api.get("/api/v1/series/points", **params, limit=20)
            points = body["points"]
            assert len(points) == 20
            assert points[-1]["t"] > points[0]["t"]
            [spike] = [p for p in points if p["anomaly"]]
            assert spike["values"] == {"volume_usd": 2000.0}
            assert spike["bands"] == {"volume_usd": [100.0, 900.0]}
            _, first = await api.get(
                "/api/v1/series/points", **params, until="2026-01-05T01:30:00Z"
            )
            assert [p["bands"] for p in first["points"]] == [{}, {}]  # warming: no band yet
            _, listed = await api.get("/api/v1/series", dataset="pools")
            assert {s["series"] for s in listed["items"]} == {
                f"chain=ethereum,pool=0x000{n}" for n in (1, 2, 3)
            }

    asyncio.run(scenario())


def test_tokens(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with served_api(tmp_path, FILLED) as api:
            status, body = await api.get("/api/v1/anomalies", token=None)
            assert status == 401
            assert "Authorization: Bearer" in body["detail"]
            status, body = await api.get("/api/v1/anomalies", token="guess-" + READ)
            assert status == 403
            assert body["error"] == "forbidden"
            assert (await api.get("/api/v1/anomalies", token=WRITE))[0] == 200
            incident_id = incident(1).incident_id
            path = f"/api/v1/incidents/{incident_id}/acknowledge"
            status, body = await api.send("POST", path, {}, token=READ)
            assert status == 403
            assert "write token" in body["detail"]
            assert api.writer.written == []
            for open_path in ("/healthz", "/metrics"):
                async with api.session.get(api.base + open_path) as answer:
                    assert answer.status == 200
                    assert READ not in await answer.text()

    asyncio.run(scenario())


def test_feedback_goes_to_the_feedback_topic_naming_the_contributors(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with served_api(tmp_path, FILLED) as api:
            incident_id = incident(1).incident_id
            path = f"/api/v1/incidents/{incident_id}/feedback"
            status, body = await api.send("POST", path, {"verdict": "maybe"})
            assert status == 400
            assert body["parameter"] == "verdict"
            status, body = await api.send("POST", path, {"verdict": "not_relevant", "note": "ok"})
            assert status == 202
            [(topic, key, value)] = api.writer.written
            event = FeedbackEvent.model_validate_json(value)
            assert (topic, key) == (TOPICS.feedback, b"dex-pools")
            assert event.incident_id == incident_id
            assert event.verdict == "not_relevant"
            assert {t.series for t in event.targets} == {
                c.series for c in incident(1, 2).contributors
            }
            assert body["feedback"]["feedback_id"] == event.feedback_id

    asyncio.run(scenario())


def test_acknowledge_then_snooze_keeps_both(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with served_api(tmp_path, FILLED) as api:
            incident_id = incident(1).incident_id
            base = f"/api/v1/incidents/{incident_id}"
            assert (await api.send("POST", base + "/acknowledge", {"note": "on it"}))[0] == 200
            before = time.time()
            status, body = await api.send("POST", base + "/snooze", {"duration": "2h"})
            assert status == 200
            status, bad = await api.send("POST", base + "/snooze", {"duration": "forever"})
            assert status == 400
            assert bad["parameter"] == "duration"
            status, bad = await api.send("POST", base + "/snooze", {"duration": "31d"})
            assert status == 400
            assert bad["parameter"] == "duration"
            controls = [IncidentControl.model_validate_json(v) for _, _, v in api.writer.written]
            assert [key for _, key, _ in api.writer.written] == [incident_id.encode()] * 2
            last = controls[-1]
            assert last.acknowledged_at is not None
            assert last.note == "on it"
            assert last.snoozed_until is not None
            assert abs(last.snoozed_until.timestamp() - before - 7200) < 5
            _, body = await api.send("DELETE", base + "/snooze")
            assert body["control"]["acknowledged_at"]
            assert "snoozed_until" not in body["control"]

    asyncio.run(scenario())


def test_a_backtest_job_runs_a_posted_file(tmp_path: Path) -> None:
    rows = ["timestamp,value"]
    for minute in range(600):
        value = 100.0 + (minute % 7) + (5000.0 if minute == 500 else 0.0)
        rows.append(
            f"{datetime.fromtimestamp(1_767_225_600 + 60 * minute, UTC).isoformat()},{value}"
        )
    data = ("\n".join(rows) + "\n").encode()

    async def scenario() -> None:
        async with served_api(tmp_path) as api:
            status, job = await api.send("POST", "/api/v1/backtests", data, dataset="nope")
            assert status == 400
            assert job["parameter"] == "dataset"
            status, refused = await api.send("POST", "/api/v1/backtests/topic", {"topic": "t"})
            assert status == 400, refused  # this harness offers no topic backtests
            assert refused["parameter"] == "topic"
            status, refused = await api.send("POST", "/api/v1/backtests/topic", {"topic": "a b"})
            assert status == 400
            assert refused["parameter"] == "topic"
            status, refused = await api.send(
                "POST", "/api/v1/backtests/topic", {"topic": "t", "from_offset": -1}
            )
            assert status == 400
            assert refused["parameter"] == "from_offset"
            status, job = await api.send("POST", "/api/v1/backtests", data)
            assert status == 202
            assert job["state"] in ("queued", "running")
            for _ in range(600):
                _, job = await api.get(f"/api/v1/backtests/{job['id']}")
                if job["state"] in ("done", "failed"):
                    break
                await asyncio.sleep(0.1)
            assert job["state"] == "done", job
            assert job["rows_scored"] == 600
            assert any(a["time"].startswith("2026-01-01T08:20") for a in job["anomalies"])

    asyncio.run(scenario())


def _page_path(path: str) -> bool:
    return path == "/" or any(path.startswith(prefix.rstrip("/")) for prefix in PAGE_PATHS)


def test_every_route_is_in_the_openapi_document_and_answers_match_it(tmp_path: Path) -> None:
    from jsonschema import Draft202012Validator

    async def scenario() -> None:
        async with served_api(tmp_path, FILLED) as api:
            status, document = await api.get("/api/v1/openapi.json")
            assert status == 200
            served = {
                (route.method.lower(), route.resource.canonical)
                for route in api.app.router.routes()
                if route.resource is not None
                and route.method != "HEAD"
                # The page's shell and files (console/page_routes.py) are not the API.
                and not _page_path(route.resource.canonical)
            }
            described = {
                (method, path) for path, item in document["paths"].items() for method in item
            }
            assert served == described
            schemas = document["components"]["schemas"]

            def check(name: str, body: object) -> None:
                schema = {
                    "$ref": f"#/components/schemas/{name}",
                    "components": {"schemas": schemas},
                }
                Draft202012Validator(schema).validate(body)

            check("AnomalyList", (await api.get("/api/v1/anomalies"))[1])
            check("IncidentList", (await api.get("/api/v1/incidents"))[1])
            incident_id = incident(1).incident_id
            check("IncidentView", (await api.get(f"/api/v1/incidents/{incident_id}"))[1])
            params = {"dataset": "pools", "series": "chain=ethereum,pool=0x0001"}
            check("SeriesPoints", (await api.get("/api/v1/series/points", **params))[1])
            check("SeriesList", (await api.get("/api/v1/series", dataset="pools"))[1])
            check("DatasetList", (await api.get("/api/v1/datasets"))[1])
            check("ModelActionList", (await api.get("/api/v1/model-actions"))[1])
            check("ErrorBody", (await api.get("/api/v1/anomalies", limit="x"))[1])

    asyncio.run(scenario())
