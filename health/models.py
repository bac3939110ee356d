"""When each background process last said it was alive."""
from __future__ import annotations

from django.db import models


class Heartbeat(models.Model):
    """One row per worker (``worker:<hostname>``) and one for beat (``beat``), rewritten in place."""

    name = models.CharField("프로세스", max_length=200, unique=True)
    seen_at = models.DateTimeField("마지막 응답")

    class Meta:
        verbose_name = "작업 처리기 응답"
        verbose_name_plural = "작업 처리기 응답"

    def __str__(self) -> str:
        return f"{self.name} {self.seen_at:%Y-%m-%d %H:%M:%S}"
