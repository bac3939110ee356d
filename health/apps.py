from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "health"
    verbose_name = "상태 점검"
    default_auto_field = "django.db.models.BigAutoField"
