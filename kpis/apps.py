from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "kpis"
    verbose_name = "성과지표"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from kpis.current import remember_on_login

        user_logged_in.connect(remember_on_login, dispatch_uid="kpis.current.remember_on_login")
