from django.urls import path

from kpis import organization_views, score_views, score_year_views

app_name = "scores"
urlpatterns = [
    path("scores/", score_views.scores_home, name="home"),
    path("scores/<int:year>/", score_views.scoreboard, name="board"),
    path("scores/<int:year>/compare/", organization_views.organization_compare, name="compare"),
    path("organization/", organization_views.organization_switch, name="organization_switch"),
    path("scores/<int:year>/export.xlsx", score_views.scoreboard_export, name="export"),
    path("scores/<int:year>/recompute/", score_views.scoreboard_recompute, name="recompute"),
    path("scores/<int:year>/recompute/<str:task_id>/", score_views.scoreboard_recompute_status, name="recompute_status"),
    path("scores/<int:year>/finalise/", score_year_views.scoreboard_finalise, name="finalise"),
    path("scores/<int:year>/reopen/", score_year_views.scoreboard_reopen, name="reopen"),
    path("scores/<int:year>/departments/<int:department_id>/", score_views.department_scores, name="department"),
    path(
        "scores/<int:year>/departments/<int:department_id>/export.xlsx",
        score_views.department_scores_export,
        name="department_export",
    ),
]
