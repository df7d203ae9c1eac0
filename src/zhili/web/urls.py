from django.contrib.auth import views as auth_views
from django.urls import path

from . import tokens, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),  # POST only
    path("password/", views.PasswordView.as_view(), name="password"),
    path("otp/", views.otp, name="otp"),
    path("tokens/", tokens.page, name="tokens"),
    path("tokens/<int:pk>/revoke/", tokens.revoke, name="token-revoke"),
    path("regions/", views.regions, name="regions"),
    path("regions/<str:code>/", views.region, name="region"),
    path("organisations/", views.organisations, name="organisations"),
]
