"""Test helpers: sign in with `sign_in`, not `force_login`; it also passes the second factor."""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


def sign_in(client: Client, user: User) -> Client:
    """Sign `user` in on the Django test client, as fully as a real sign-in would."""
    client.force_login(user)
    if user.second_factor_required or TOTPDevice.objects.filter(user=user).exists():
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def current_code(device: TOTPDevice) -> str:
    """The 6-digit code an authenticator app would show now for this device."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
