def test_the_beat_schedule_resumes_stalled_render_jobs(settings):
    from awards_portal.celery import app

    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "certificates.tasks.render_jobs_resume_task" in names
    assert "certificates.tasks.render_jobs_resume_task" in app.tasks


def test_r_crt_2_the_beat_schedule_flushes_buffered_check_records(settings):
    from awards_portal.celery import app

    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "certificates.tasks.certificate_checks_flush_task" in names
    assert "certificates.tasks.certificate_checks_flush_task" in app.tasks
