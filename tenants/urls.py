from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("preferences/language/", views.preferences_language, name="preferences-language"),
    path("preferences/theme/", views.preferences_theme, name="preferences-theme"),
]
