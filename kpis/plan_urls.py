from django.urls import path

from kpis import plan_views

app_name = "plans"
urlpatterns = [
    path("plans/", plan_views.plan_list, name="list"),
    path("plans/<int:bureau_id>/diff/", plan_views.plan_diff_page, name="diff"),
]
