"""GET /metrics: Prometheus text format, summed over every worker."""

from fastapi import APIRouter, Response

from service.web import metrics

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    operation_id="metrics-get",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {
            "content": {metrics.CONTENT_TYPE: {"schema": {"type": "string"}}},
            "description": "Prometheus text format.",
        }
    },
)
async def get_metrics() -> Response:
    """Requests by route and status, latency, rule firings, next steps by code, engine time."""
    return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)
