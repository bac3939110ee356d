from django.urls import path

from kpis import progress_views

app_name = "progress"
urlpatterns = [
    path("progress/", progress_views.early_warning_home, name="home"),
    path("progress/<int:year>/", progress_views.early_warning, name="warnings"),
]
