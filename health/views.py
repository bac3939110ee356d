"""/healthz (the process answers) and /readyz (database, Redis, worker and beat heartbeats) as JSON."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from health_check.checks import Database
from health_check.contrib.redis import Redis
from health_check.views import HealthCheckView
from redis.asyncio import Redis as RedisClient

from health.checks import BeatHeartbeat, WorkerHeartbeat
from health.heartbeats import workers_expected


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: answers without touching the database or Redis."""
    return JsonResponse({"status": "ok"})


def _redis_client() -> RedisClient:
    return RedisClient.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


class ReadyView(HealthCheckView):
    """Readiness: 200 when every check passes, else 503 naming each check that failed.

    Without REDIS_URL tasks run inside the request: there is no Redis, worker or beat to check.
    """

    names = {Database: "database", Redis: "redis", WorkerHeartbeat: "worker", BeatHeartbeat: "beat"}

    def get_checks(self):
        yield Database()
        if settings.REDIS_URL:
            yield Redis(client_factory=_redis_client)
        if workers_expected():
            yield WorkerHeartbeat()
            yield BeatHeartbeat()

    async def get(self, request, *args, **kwargs):
        await super().get(request, *args, **kwargs)  # runs the checks into self.results
        checks = {self.names[type(result.check)]: str(result.error) if result.error else "OK" for result in self.results}
        failed = [name for name, outcome in checks.items() if outcome != "OK"]
        body = {"status": "fail" if failed else "ok", "failed": failed, "checks": checks}
        return JsonResponse(body, status=503 if failed else 200)


readyz = ReadyView.as_view()
