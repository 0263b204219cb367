"""The page's shell is served at `/` and at `/incidents/<id>` (where the worker's incident
links lead) without a token, and holds no data; its files under `/static/`; the API still
needs the token."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.console.served_api import served_api


def test_the_shell_is_served_where_incident_links_lead_and_the_api_still_needs_a_token(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        async with served_api(tmp_path) as api:
            for path in ("/", "/incidents/0b6c7f0e-1b8e-5d4e-9a51-3f1d2c9e8a77"):
                async with api.session.get(api.base + path) as answer:
                    assert answer.status == 200, path
                    assert answer.content_type == "text/html"
                    shell = await answer.text()
                    assert '<script type="module" src="/static/main.js">' in shell
                    assert "no-cache" in answer.headers["Cache-Control"]
            async with api.session.get(api.base + "/static/main.js") as answer:
                assert answer.status == 200
            for path in ("/incidents/x/versions", "/incidents/"):
                async with api.session.get(api.base + path) as answer:
                    assert answer.status == 404, path
            status, body = await api.get("/api/v1/incidents/x", token=None)
            assert (status, body["error"]) == (401, "unauthorized")

    asyncio.run(scenario())
