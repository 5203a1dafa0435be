from django.urls import path

from .views import account, sign_in, tokens, two_factor, users

app_name = "accounts"

urlpatterns = [
    path("sign-in/", sign_in.SignInView.as_view(), name="login"),
    path("sign-out/", sign_in.SignOutView.as_view(), name="logout"),
    path("keep-alive/", sign_in.keep_alive, name="keep_alive"),
    path("password-reset/", sign_in.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/", sign_in.PasswordResetDoneView.as_view(), name="password_reset_done"
    ),
    path(
        "reset/<uidb64>/<token>/",
        sign_in.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/", sign_in.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path("welcome/<uidb64>/<token>/", sign_in.WelcomeView.as_view(), name="welcome"),
    path("welcome/done/", sign_in.welcome_complete, name="welcome_complete"),
    path("confirm-email/<str:token>/", sign_in.email_confirm, name="email_confirm"),
    path("two-factor/", two_factor.verify, name="two_factor_verify"),
    path("two-factor/set-up/", two_factor.setup, name="two_factor_setup"),
    path("two-factor/backup-codes/", two_factor.backup_codes_renew, name="backup_codes_renew"),
    path("me/", account.my_account, name="my_account"),
    path("me/password/", account.PasswordChangeView.as_view(), name="password_change"),
    path("me/api-tokens/", tokens.token_list, name="api_tokens"),
    path("me/api-tokens/<int:pk>/revoke/", tokens.token_revoke, name="api_token_revoke"),
    path("users/", users.user_list, name="user_list"),
    path("users/new/", users.user_create, name="user_create"),
    path("users/<int:pk>/", users.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", users.user_edit, name="user_edit"),
    path("users/<int:pk>/suspend/", users.user_suspend_view, name="user_suspend"),
    path("users/<int:pk>/reinstate/", users.user_reinstate_view, name="user_reinstate"),
    path("users/<int:pk>/delete/", users.user_delete_view, name="user_delete"),
    path("users/<int:pk>/welcome/", users.user_welcome_resend_view, name="user_welcome_resend"),
    path(
        "users/<int:pk>/second-factor/reset/",
        users.user_second_factor_reset_view,
        name="user_second_factor_reset",
    ),
]
