import pytest

from accounts.validators import email_is_generic_mailbox, username_base


@pytest.mark.parametrize(
    "email",
    ["info@college.example", "Admin@college.example", "office@x.example", "contact@y.example"],
)
def test_r_acc_1_generic_role_mailboxes_are_recognised(email):
    assert email_is_generic_mailbox(email)


def test_r_acc_1_a_personal_mailbox_is_not_generic():
    assert not email_is_generic_mailbox("jo.bloggs@college.example")


def test_r_acc_4_username_base_is_firstname_dot_surname_in_ascii():
    assert username_base("Zoë", "O'Brien-Smith") == "zoe.obriensmith"
