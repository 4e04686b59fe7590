"""64 simultaneous requests against one server: each answer is the right one."""

from __future__ import annotations

import asyncio

import httpx

from tests.support.bodies import load_scenarios
from tests.support.server import AUTH

SCENARIOS = load_scenarios()


def test_64_simultaneous_requests_each_get_their_own_answer(base_url: str) -> None:
    async def run() -> list[tuple[int, list[str], list[str]]]:
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits, headers=AUTH) as client:
            start = asyncio.Event()

            async def one(i: int) -> tuple[int, list[str], list[str]]:
                scenario = SCENARIOS[i % len(SCENARIOS)]
                await start.wait()
                response = await client.post("/v1/recommendations", json=scenario["request"])
                assert response.status_code == 200, response.text
                got = [s["code"] for s in response.json()["next_steps"]]
                return i, got, scenario["expect"]["next_steps"]

            tasks = [asyncio.create_task(one(i)) for i in range(64)]
            await asyncio.sleep(0.05)
            start.set()
            return await asyncio.gather(*tasks)

    results = asyncio.run(run())
    assert len(results) == 64
    wrong = [(i, got, want) for i, got, want in results if got != want]
    assert wrong == []
