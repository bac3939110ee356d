from django.urls import path

from kpis import entry_views, review_views

app_name = "entry"
urlpatterns = [
    path("entry/", entry_views.entry_mine, name="mine"),
    path("entry/<int:department_id>/<int:year>/", entry_views.entry_page, name="page"),
    path("entry/<int:department_id>/<int:year>/<int:indicator_id>/save/", entry_views.entry_save, name="save"),
    path("entry/<int:department_id>/<int:year>/<int:indicator_id>/submit/", entry_views.entry_submit, name="submit"),
    path("entry/<int:department_id>/<int:year>/<int:indicator_id>/preview/", entry_views.entry_preview, name="preview"),
    path("review/", review_views.review_page, name="review"),
    path("review/<int:actual_id>/decide/", review_views.review_decide, name="decide"),
    path("review/approve/", review_views.review_approve_many, name="approve_many"),
    path("indicators/<int:indicator_id>/history/", review_views.history_page, name="history"),
    path("evidence/<int:evidence_id>/", entry_views.evidence_download, name="evidence"),
]
