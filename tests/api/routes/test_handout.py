"""GET /v1/recommendations/{id}/handout over HTTP: HTML with print CSS, PDF read back with pdftotext."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.auth import ApiKey, clients_file, serve
from tests.support.bodies import opinion
from tests.support.printed import in_order, pdf_text, texts_of

DIFFER = {
    "opinions": [opinion(), opinion(modalities=("chemotherapy", "surgery"), specialty="surgical_oncology")],
    "completed_steps": [],
}
PDF = {"Accept": "application/pdf"}


def decide(client: httpx.Client, lang: str) -> dict[str, Any]:
    response = client.post("/v1/recommendations", json={**DIFFER, "lang": lang})
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    return answer


@pytest.fixture(scope="module")
def english(client: httpx.Client) -> dict[str, Any]:
    return decide(client, "en")


@pytest.fixture(scope="module")
def spanish(client: httpx.Client) -> dict[str, Any]:
    return decide(client, "es")


def handout(client: httpx.Client, answer: dict[str, Any], **headers: str) -> httpx.Response:
    return client.get(f"/v1/recommendations/{answer['decision_id']}/handout", headers=headers)


def titles(answer: dict[str, Any]) -> list[str]:
    return [step["title"] for step in sorted(answer["next_steps"], key=lambda step: step["rank"])]


def test_the_html_handout_lists_the_steps_in_rank_order_with_room_for_answers(
    client: httpx.Client, english: dict[str, Any]
) -> None:
    response = handout(client, english)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-language"] == "en"
    html = response.text
    assert texts_of(html, "h3") == titles(english)
    questions = [q for step in english["next_steps"] for q in step["questions_to_ask"]]
    assert in_order(" ".join(texts_of(html, "p")), questions)
    assert html.count('<p class="answer">Answer:</p>') == len(questions)
    assert "@media print" in html and "@page" in html
    assert english["disclaimer"] in " ".join(texts_of(html, "p"))
    today = datetime.now(UTC).date()
    assert f'<time datetime="{today.isoformat()}">' in html
    assert english["ruleset"]["version"] in html
    for step in english["next_steps"]:
        for resource in step["resources"]:
            assert f">{resource['url']}</a>" in html  # the URL itself is printed, not only linked


def test_the_html_handout_loads_nothing_and_runs_no_script(
    client: httpx.Client, english: dict[str, Any]
) -> None:
    response = handout(client, english, Accept="text/html,application/xhtml+xml,*/*;q=0.8")
    csp = response.headers["content-security-policy"]
    assert csp.startswith("default-src 'none'; style-src 'sha256-")
    assert "<script" not in response.text and "<link" not in response.text and "<img" not in response.text


def test_the_pdf_shows_the_steps_in_rank_order(client: httpx.Client, english: dict[str, Any]) -> None:
    response = handout(client, english, **PDF)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    numbered = [f"{step['rank']}. {step['title']}" for step in english["next_steps"]]
    assert in_order(text, ["Your next steps", *numbered, "Where to read more"])
    assert in_order(text, english["next_steps"][0]["questions_to_ask"])
    first = english["next_steps"][0]
    assert f"Why this step: {first['reasons'][0]['text']}" in text
    assert text.count("Answer:") == sum(len(s["questions_to_ask"]) for s in english["next_steps"])
    assert english["disclaimer"] in text
    assert re.search(r"Date: [A-Z][a-z]+ \d{1,2}, \d{4}", text)
    assert f"List version: {english['ruleset']['version']}" in text
    urls = {resource["url"] for step in english["next_steps"] for resource in step["resources"]}
    assert all(url in text for url in urls)  # each printed whole, on one line


def test_the_spanish_decision_prints_in_spanish(client: httpx.Client, spanish: dict[str, Any]) -> None:
    response = handout(client, spanish, **PDF)
    assert response.headers["content-language"] == "es"
    text = pdf_text(response.content)
    assert in_order(text, ["Sus próximos pasos", *titles(spanish), "Dónde leer más"])
    assert "Preguntas para hacer" in text and "Respuesta:" in text
    assert spanish["disclaimer"] in text
    assert re.search(r"Fecha: \d{1,2} de [a-z]+ de \d{4}", text)
    assert "Your next steps" not in text and "Answer:" not in text
    assert 'lang="es"' in handout(client, spanish).text


def test_an_unknown_decision_and_an_unacceptable_type_are_problems(
    client: httpx.Client, english: dict[str, Any]
) -> None:
    missing = client.get("/v1/recommendations/00000000-0000-4000-8000-000000000000/handout")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    refused = handout(client, english, Accept="application/json")
    assert refused.status_code == 406
    assert refused.json()["title"] == "Not acceptable"
    bad_id = client.get("/v1/recommendations/not-a-uuid/handout")
    assert bad_id.status_code == 422
    assert bad_id.json()["errors"][0]["field"] == "decision_id"


def test_only_who_may_read_the_decision_may_print_it(tmp_path: Path) -> None:
    portal, other, admin, recommend_only = ApiKey(), ApiKey(), ApiKey(), ApiKey()
    scopes = ["recommend", "decisions:read"]
    path = clients_file(
        tmp_path,
        [
            {"id": "portal", "scopes": scopes, "api_keys": [portal.hash]},
            {"id": "other", "scopes": scopes, "api_keys": [other.hash]},
            {"id": "admin", "scopes": ["admin"], "api_keys": [admin.hash]},
            {"id": "ehr", "scopes": ["recommend"], "api_keys": [recommend_only.hash]},
        ],
    )
    with serve(CLIENTS_FILE=str(path)) as server, httpx.Client(base_url=server.base, timeout=60) as http:
        answer = http.post("/v1/recommendations", json=DIFFER, headers=portal.headers).json()
        url = f"/v1/recommendations/{answer['decision_id']}/handout"
        assert http.get(url, headers=portal.headers).status_code == 200
        assert http.get(url, headers={**admin.headers, **PDF}).status_code == 200
        assert http.get(url, headers=other.headers).status_code == 404
        assert http.get(url, headers={**other.headers, **PDF}).status_code == 404
        assert http.get(url, headers=recommend_only.headers).status_code == 403
        assert http.get(url).status_code == 401
