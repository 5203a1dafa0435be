"""What most registration tests stand on: one course run running today, its provider and
qualification, and a centre user who may import."""

import datetime

import pytest
from django.utils import timezone

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from registrations.tests.factories import CourseRunFactory


@pytest.fixture
def course_run():
    today = timezone.localdate()
    return CourseRunFactory(
        start_date=today - datetime.timedelta(days=100),
        planned_achievement_date=today + datetime.timedelta(days=200),
    )


@pytest.fixture
def provider(course_run):
    return course_run.provider


@pytest.fixture
def qualification(course_run):
    return course_run.qualification


@pytest.fixture
def importer(provider):
    return UserFactory(
        organisation=provider.organisation, roles=[Role.MANAGE_REGISTRATION, Role.BULK_UPLOAD]
    )
