from django.urls import path

from kpis import views

app_name = "kpis"
urlpatterns = [
    path("", views.home, name="home"),
    path("bureaus/<int:bureau_id>/", views.bureau_detail, name="bureau_detail"),
    path("departments/<int:department_id>/", views.department_detail, name="department_detail"),
]
