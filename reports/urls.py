from __future__ import annotations

from django.urls import path

from reports import execution_views, views

app_name = "reports"

urlpatterns = [
    path("entries/", views.entries_mine, name="entries_mine"),
    path("entries/<int:department_id>/<int:year>/", views.entries_page, name="entries"),
    path("entries/<int:department_id>/<int:year>/<int:indicator_id>/save/", views.entry_save, name="entry_save"),
    path("review/", views.review_page, name="review"),
    path("review/<int:entry_id>/decide/", views.review_decide, name="decide"),
    path("execution/<int:department_id>/<int:year>/", execution_views.execution_page, name="execution"),
    path("execution/<int:department_id>/<int:year>/save/", execution_views.execution_save, name="execution_save"),
]
