from django.urls import path

app_name = "scores"
urlpatterns: list = []
